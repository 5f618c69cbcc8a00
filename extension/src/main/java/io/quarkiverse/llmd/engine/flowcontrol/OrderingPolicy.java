package io.quarkiverse.llmd.engine.flowcontrol;

import java.util.Comparator;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/** Orders the items of one flow queue: the first in the order is dispatched next. */
public interface OrderingPolicy extends Plugin {

    /** Compares two queued items; the smaller leaves first. Ties are broken by the controller (arrival order). */
    Comparator<FlowItem<?>> order();
}
