package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.simulator.config.HardwareProfile;

/**
 * Pods that come and go on several hardware classes: the variants of the cluster's one model, each a scale target
 * with its own hardware profile, cost and bounds, behind one gateway pool, and the strategy that sizes them all.
 * A single-variant {@link Autoscaling} is the one-member fleet of the cluster's hardware ({@link #of}).
 *
 * @param policy the strategy
 * @param members the variants, in the order the policy's answers come
 */
public record Fleet(FleetPolicy policy, List<Member> members) {

    /**
     * One variant as a scale target.
     *
     * @param name the variant's name (the {@code llm-d.ai/variant} label of its pods)
     * @param hardware its pods' hardware profile
     * @param costPerReplicaHour what one replica costs per hour, in the units shared by the fleet
     * @param minReplicas lowest count
     * @param maxReplicas highest count
     * @param initialReplicas pods ready at time 0
     * @param timeToReadySeconds from a scale-up until a new pod joins the pool
     */
    public record Member(String name, HardwareProfile hardware, double costPerReplicaHour, int minReplicas,
            int maxReplicas, int initialReplicas, double timeToReadySeconds) {

        public Member {
            if (name == null || name.isBlank() || hardware == null) {
                throw new IllegalArgumentException("a variant needs a name and a hardware profile");
            }
            if (!(costPerReplicaHour >= 0) || Double.isInfinite(costPerReplicaHour)) {
                throw new IllegalArgumentException(name + ": cost must be a finite number >= 0");
            }
            if (minReplicas < 0 || maxReplicas < 1 || minReplicas > maxReplicas) {
                throw new IllegalArgumentException(name + ": need 0 <= min <= max and max >= 1, got " + minReplicas
                        + ".." + maxReplicas);
            }
            if (initialReplicas < minReplicas || initialReplicas > maxReplicas) {
                throw new IllegalArgumentException(name + ": initial replicas " + initialReplicas + " outside "
                        + minReplicas + ".." + maxReplicas);
            }
            if (!(timeToReadySeconds >= 0) || Double.isInfinite(timeToReadySeconds)) {
                throw new IllegalArgumentException(name + ": time to ready must be a finite number >= 0");
            }
        }
    }

    public Fleet {
        members = List.copyOf(members);
        if (policy == null || members.isEmpty()) {
            throw new IllegalArgumentException("a fleet needs a policy and at least one variant");
        }
        Set<String> names = new HashSet<>();
        for (Member m : members) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two variants named " + m.name());
            }
        }
    }

    /** The single variant of {@code scaling}, on {@code hardware}, named as {@link ScalingPolicies#variant} does. */
    public static Fleet of(Autoscaling scaling, HardwareProfile hardware) {
        FleetPolicy p = scaling.policy() instanceof FleetPolicy f ? f
                : new FleetPolicy.PerVariant(scaling.policy().name(), List.of(scaling.policy()));
        return new Fleet(p, List.of(new Member("sim-" + hardware.name(), hardware, hardware.relativeCost(),
                scaling.minReplicas(), scaling.maxReplicas(), scaling.initialReplicas(),
                scaling.timeToReadySeconds())));
    }

    /** Replicas of all variants at time 0. */
    public int initialReplicas() {
        int n = 0;
        for (Member m : members) {
            n += m.initialReplicas();
        }
        return n;
    }
}
