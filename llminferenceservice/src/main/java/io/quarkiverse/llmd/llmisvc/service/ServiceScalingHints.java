package io.quarkiverse.llmd.llmisvc.service;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * What an LLMInferenceService's annotations tell a (later) autoscaler about it: latency targets, what a replica runs
 * on and costs, and the replica bounds. Every field is optional; the compact constructor refuses inconsistent values,
 * so a hint that exists is usable as it is.
 *
 * @param ttft target time to first token
 * @param itl target inter-token latency (time per output token)
 * @param hardwareClass the accelerator a replica runs on, for instance {@code H100} (free text, compared as is)
 * @param costPerReplica the cost of one replica in the operator's own unit (for instance dollars per hour)
 * @param minReplicas fewest replicas (0 allows scale to zero)
 * @param maxReplicas most replicas
 */
public record ServiceScalingHints(Optional<Duration> ttft, Optional<Duration> itl, Optional<String> hardwareClass,
        Optional<BigDecimal> costPerReplica, Optional<Integer> minReplicas, Optional<Integer> maxReplicas) {

    /** No hint at all. */
    public static final ServiceScalingHints NONE = new ServiceScalingHints(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public ServiceScalingHints {
        ttft.ifPresent(d -> positive("TTFT target", d));
        itl.ifPresent(d -> positive("ITL target", d));
        costPerReplica.ifPresent(c -> {
            if (c.signum() < 0) {
                throw new IllegalArgumentException("cost per replica must not be negative, got " + c);
            }
        });
        minReplicas.ifPresent(n -> {
            if (n < 0) {
                throw new IllegalArgumentException("min replicas must not be negative, got " + n);
            }
        });
        maxReplicas.ifPresent(n -> {
            if (n < 1) {
                throw new IllegalArgumentException("max replicas must be at least 1, got " + n);
            }
        });
        if (minReplicas.isPresent() && maxReplicas.isPresent() && minReplicas.get() > maxReplicas.get()) {
            throw new IllegalArgumentException("min replicas " + minReplicas.get() + " exceeds max replicas "
                    + maxReplicas.get());
        }
    }

    private static void positive(String what, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d.toMillis() + " ms");
        }
    }
}
