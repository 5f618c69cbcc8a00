package io.quarkiverse.llmd.benchmarks.sim;

/**
 * The gateway tier in front of the simulated pods.
 *
 * @param replicas gateway replicas (1..{@link #MAX_REPLICAS}); each has its own pipeline and scheduler state
 *        (approximate prefix index, in-flight counters, flow-control queue, saturation detector)
 * @param spread how requests are spread over the replicas (a load balancer in front of the gateways)
 * @param kvEventDelaySeconds virtual time from the end of the engine step that changed a pod's prefix cache to the
 *        moment the event is in the precise index (publishing, transport and ingestion); 0 or more
 * @param preciseIndex whether the replicas' {@code precise-prefix-cache-producer} share one index
 */
public record GatewayOptions(int replicas, Spread spread, double kvEventDelaySeconds,
        PreciseIndexes.Sharing preciseIndex) {

    public static final int MAX_REPLICAS = 64;
    /** One gateway; events arrive 10 ms after the step (a ZMQ hop and an index write, well above their cost). */
    public static final GatewayOptions SINGLE = new GatewayOptions(1, Spread.ROUND_ROBIN, 0.01,
            PreciseIndexes.Sharing.SHARED);

    /** How a request picks its gateway replica. */
    public enum Spread {
        /** In turn, as an L4 load balancer in round-robin mode. */
        ROUND_ROBIN,
        /** Uniformly at random from the run's seed, as kube-proxy in iptables mode. */
        RANDOM;

        /** The command-line spelling: {@code round-robin} or {@code random}. */
        public static Spread parse(String s) {
            return switch (s) {
                case "round-robin" -> ROUND_ROBIN;
                case "random" -> RANDOM;
                default -> throw new IllegalArgumentException("--gateway-spread must be round-robin or random, got '"
                        + s + "'");
            };
        }
    }

    public GatewayOptions {
        if (replicas < 1 || replicas > MAX_REPLICAS) {
            throw new IllegalArgumentException("--gateway-replicas must be 1.." + MAX_REPLICAS + ", got " + replicas);
        }
        if (!(kvEventDelaySeconds >= 0) || Double.isInfinite(kvEventDelaySeconds)) {
            throw new IllegalArgumentException("--kv-event-delay must be a finite number of seconds >= 0, got "
                    + kvEventDelaySeconds);
        }
        if (spread == null || preciseIndex == null) {
            throw new IllegalArgumentException("spread and preciseIndex are required");
        }
    }

    public GatewayOptions withReplicas(int n) {
        return new GatewayOptions(n, spread, kvEventDelaySeconds, preciseIndex);
    }
}
