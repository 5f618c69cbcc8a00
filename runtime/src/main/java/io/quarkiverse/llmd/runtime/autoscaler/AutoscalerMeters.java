package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;

/**
 * The autoscaler's meters, under WVA's names and labels so that HPAs and ScaledObjects written for WVA read them
 * unchanged: {@code wva_desired_replicas}, {@code wva_current_replicas}, {@code wva_desired_ratio} (gauges, labels
 * {@code variant_name}, {@code namespace}, {@code accelerator_type}) and {@code wva_replica_scaling_total} (labels
 * {@code variant_name}, {@code namespace}, {@code direction}, {@code reason}). Our own
 * {@code llmd_autoscaler_decisions_total} also counts decisions that keep the count ({@code direction="none"}).
 *
 * <p>
 * Series exist per known variant only (declared or discovered, never minted by a client) and are removed when the
 * variant goes. Written by the worker only.
 */
final class AutoscalerMeters {

    static final String DESIRED = "wva_desired_replicas";
    static final String CURRENT = "wva_current_replicas";
    static final String RATIO = "wva_desired_ratio";
    static final String SCALING = "wva_replica_scaling"; // _total
    static final String DECISIONS = "llmd_autoscaler_decisions"; // _total
    static final String ACTUATIONS = "llmd_autoscaler_actuations"; // _total

    /** The last decision of a variant, read by its gauges. */
    private static final class Last {
        volatile double desired = Double.NaN;
        volatile double current = Double.NaN;
        volatile double ratio = Double.NaN;
    }

    private record Series(Tags tags, Last last, List<Meter> meters) {
    }

    private final MeterRegistry registry;
    private final Map<String, Series> byVariant = new HashMap<>();

    AutoscalerMeters(MeterRegistry registry, AutoscalerRequestTap tap) {
        this.registry = registry;
        FunctionCounter.builder("llmd_autoscaler_samples_dropped", tap, AutoscalerRequestTap::dropped)
                .description("Completed requests not used for calibration because the sample buffer was full")
                .register(registry);
        FunctionCounter.builder("llmd_autoscaler_samples_unattributed", tap, AutoscalerRequestTap::unattributed)
                .description("Completed requests of a scaled model whose endpoint no variant claims")
                .register(registry);
    }

    /** Publishes one decision. */
    void record(ScalingDecision d, String namespace) {
        Series s = byVariant.get(d.variant());
        Tags tags = Tags.of("variant_name", d.variant(), "namespace", namespace, "accelerator_type",
                d.hardwareClass());
        if (s == null || !s.tags().equals(tags)) {
            if (s != null) {
                s.meters().forEach(registry::remove);
            }
            Last last = new Last();
            List<Meter> meters = List.of(
                    Gauge.builder(DESIRED, last, l -> l.desired).tags(tags).strongReference(true)
                            .description("Replicas the autoscaler decided for the variant").register(registry),
                    Gauge.builder(CURRENT, last, l -> l.current).tags(tags).strongReference(true)
                            .description("Replicas the variant had when the autoscaler decided").register(registry),
                    Gauge.builder(RATIO, last, l -> l.ratio).tags(tags).strongReference(true)
                            .description("Desired over current replicas (desired when current is 0)")
                            .register(registry));
            s = new Series(tags, last, meters);
            byVariant.put(d.variant(), s);
        }
        s.last().desired = d.desiredReplicas();
        s.last().current = d.currentReplicas();
        s.last().ratio = d.desiredRatio();
        String reason = d.reason().name().toLowerCase(java.util.Locale.ROOT);
        Tags counted = Tags.of("variant_name", d.variant(), "namespace", namespace, "direction", d.direction(),
                "reason", reason);
        Counter.builder(DECISIONS).tags(counted).description("Autoscaler decisions by direction and reason")
                .register(registry).increment();
        if (!"none".equals(d.direction())) {
            Counter.builder(SCALING).tags(counted).description("Scaling decisions by direction and reason")
                    .register(registry).increment();
        }
    }

    /** Counts one actuation of a variant's decision by outcome ({@code applied}, {@code unchanged}, {@code failed}). */
    void actuated(String variant, String namespace, String actuator, String outcome) {
        Counter.builder(ACTUATIONS).tags("variant_name", variant, "namespace", namespace, "actuator", actuator,
                "outcome", outcome).description("Actuations of autoscaler decisions by actuator and outcome")
                .register(registry).increment();
    }

    /** Removes the series of variants that are gone. */
    void retain(Set<String> variants) {
        var it = byVariant.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!variants.contains(e.getKey())) {
                e.getValue().meters().forEach(registry::remove);
                registry.getMeters().stream()
                        .filter(m -> m.getId().getName().startsWith(SCALING)
                                || m.getId().getName().startsWith(DECISIONS)
                                || m.getId().getName().startsWith(ACTUATIONS))
                        .filter(m -> e.getKey().equals(m.getId().getTag("variant_name")))
                        .toList().forEach(registry::remove);
                it.remove();
            }
        }
    }
}
