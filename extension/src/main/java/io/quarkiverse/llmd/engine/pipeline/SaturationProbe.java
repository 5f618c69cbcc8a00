package io.quarkiverse.llmd.engine.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * Computes pool saturation outside a scheduling cycle. A detector that consumes per-request data (the
 * {@code concurrency-detector} reads the in-flight load) needs its producers run first; only those producers run, not
 * the expensive ones (prefix matching) that the scheduler will run anyway.
 */
public final class SaturationProbe {

    private final SaturationDetector detector;
    private final List<DataProducer> producers;

    public SaturationProbe(SaturationDetector detector, Scheduler scheduler) {
        this.detector = detector;
        List<DataProducer> needed = new ArrayList<>();
        if (detector instanceof DataConsumer consumer && scheduler != null) {
            Set<DataKey<?>> consumes = consumer.consumes();
            for (DataProducer p : scheduler.pluginsOf(DataProducer.class)) {
                if (!Collections.disjoint(p.produces(), consumes)) {
                    needed.add(p);
                }
            }
        }
        this.producers = List.copyOf(needed);
    }

    public SaturationDetector detector() {
        return detector;
    }

    /** Saturation of {@code candidates} at the context's time; runs the detector's producers into the context. */
    public double saturation(SchedulingContext context, List<Endpoint> candidates) {
        for (int i = 0; i < producers.size(); i++) {
            producers.get(i).produce(context, candidates);
        }
        return detector.saturation(context, candidates);
    }

    /**
     * Each endpoint's admission limit ({@link SaturationDetector#admissionLimit}), in the order of {@code pool}; runs
     * the detector's producers into the context first.
     */
    public double[] admissionLimits(SchedulingContext context, List<Endpoint> pool) {
        for (int i = 0; i < producers.size(); i++) {
            producers.get(i).produce(context, pool);
        }
        double[] limits = new double[pool.size()];
        for (int i = 0; i < limits.length; i++) {
            limits[i] = detector.admissionLimit(context, pool.get(i), pool);
        }
        return limits;
    }
}
