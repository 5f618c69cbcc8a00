package io.quarkiverse.llmd.engine.flowcontrol;

import java.util.Comparator;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/** Chooses, within one priority band, which flow (tenant) dispatches next. */
public interface FairnessPolicy extends Plugin {

    /** A selector with its own state (for instance a round-robin cursor); each band gets one. */
    Selector newSelector();

    /** Per-band state of a fairness policy. */
    interface Selector {

        /**
         * @param flows the band's non-empty flow queues, sorted by flow id
         * @return the queue to take the next item from (one of {@code flows})
         */
        FlowQueue pick(List<? extends FlowQueue> flows);
    }

    /** What a fairness policy sees of a flow queue. */
    interface FlowQueue {

        String flowId();

        /** The item its ordering policy would dispatch next. */
        FlowItem<?> head();

        /** The band's ordering, to compare heads across queues. */
        Comparator<FlowItem<?>> order();
    }
}
