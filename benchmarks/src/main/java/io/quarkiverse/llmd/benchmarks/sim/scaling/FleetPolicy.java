package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.List;

/**
 * A strategy that sets the replicas of every variant of a {@link Fleet}, evaluated every {@link #intervalSeconds()}
 * of virtual time. It sees one {@link PoolView} per variant, in the fleet's order: that variant's replicas, scrapes,
 * running requests and completions, and the model's shared signals (arrival rate, the gateway's queue).
 */
public sealed interface FleetPolicy permits FleetPolicy.PerVariant, VariantAutoscalerPolicy, SaturationV2Policy {

    /** The strategy's name in reports. */
    String name();

    /** Seconds of virtual time between evaluations. */
    double intervalSeconds();

    /** The replicas each variant should have now, in the fleet's order; the simulator clamps to the bounds. */
    int[] desired(List<PoolView> views);

    /**
     * One independent single-variant strategy per variant, as one HPA or ScaledObject per Deployment would do: each
     * reads only its own variant's view (and the shared queue and rate in it).
     *
     * @param name the strategy's name
     * @param policies one per variant, in the fleet's order
     */
    record PerVariant(String name, List<ScalingPolicy> policies) implements FleetPolicy {

        public PerVariant {
            policies = List.copyOf(policies);
            if (policies.isEmpty()) {
                throw new IllegalArgumentException("one policy per variant");
            }
        }

        @Override
        public double intervalSeconds() {
            return policies.get(0).intervalSeconds();
        }

        @Override
        public int[] desired(List<PoolView> views) {
            if (views.size() != policies.size()) {
                throw new IllegalArgumentException(views.size() + " views for " + policies.size() + " policies");
            }
            int[] out = new int[views.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = policies.get(i).desired(views.get(i));
            }
            return out;
        }
    }
}
