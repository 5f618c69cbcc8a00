package io.quarkiverse.llmd.benchmarks.sim.scaling;

/** Fixed replicas: the baseline that provisions for a chosen load and never moves. */
public record StaticPolicy(int replicas) implements ScalingPolicy {

    public StaticPolicy {
        if (replicas < 0) {
            throw new IllegalArgumentException("static replicas must be >= 0, got " + replicas);
        }
    }

    @Override
    public String name() {
        return "static-" + replicas;
    }

    @Override
    public double intervalSeconds() {
        return 60;
    }

    @Override
    public int desired(PoolView view) {
        return replicas;
    }
}
