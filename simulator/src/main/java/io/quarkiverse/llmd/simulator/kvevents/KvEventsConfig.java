package io.quarkiverse.llmd.simulator.kvevents;

import java.util.Objects;

/**
 * Settings of a {@link ZmqKvEventPublisher}, mirroring vLLM's {@code KVEventsConfig} (reference kvcache-and-sim.md
 * A1.1) plus the two knobs vLLM hard-codes.
 *
 * @param endpoint PUB socket address; bound or connected by {@link ZmqKvEventPublisher#binds(String)}
 * @param replayEndpoint ROUTER address for replay (always bound), or null for no replay
 * @param topic frame 0 of every live message, e.g. {@code kv@<ip>:<port>@<model>}; null is read as ""
 * @param mapForm true for the tagged-map events of vLLM after PR #42892, false for positional arrays
 * @param bufferSteps number of past batches kept for replay (vLLM {@code buffer_steps})
 * @param hwm ZMQ send high-water mark of the PUB socket, in messages (0 = unlimited)
 * @param maxQueueSize capacity of the queue between callers and the publisher thread; batches beyond it are dropped
 * @param firstSequence sequence number of the first batch: 0 like vLLM, 1 like llm-d-inference-sim
 * @param dataParallelRank value of {@code data_parallel_rank} in every batch, or null to send nil
 * @param bind true to bind the PUB endpoint, false to connect it, null for vLLM's rule
 *        ({@link ZmqKvEventPublisher#binds(String)}); an explicit bind lets pods on their own addresses publish on one
 *        port ({@code tcp://10.0.0.1:5557}), which vLLM's rule would connect
 */
public record KvEventsConfig(String endpoint, String replayEndpoint, String topic, boolean mapForm, int bufferSteps,
        int hwm, int maxQueueSize, long firstSequence, Integer dataParallelRank, Boolean bind) {

    /** vLLM's default PUB endpoint: bind on every interface. */
    public static final String DEFAULT_ENDPOINT = "tcp://*:5557";
    public static final int DEFAULT_BUFFER_STEPS = 10_000;
    public static final int DEFAULT_HWM = 100_000;
    public static final int DEFAULT_MAX_QUEUE_SIZE = 100_000;

    public KvEventsConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        if (endpoint.isBlank()) {
            throw new IllegalArgumentException("endpoint must not be blank");
        }
        if (replayEndpoint != null && replayEndpoint.isBlank()) {
            replayEndpoint = null;
        }
        topic = topic == null ? "" : topic;
        if (bufferSteps < 0) {
            throw new IllegalArgumentException("bufferSteps must be >= 0: " + bufferSteps);
        }
        if (hwm < 0) {
            throw new IllegalArgumentException("hwm must be >= 0: " + hwm);
        }
        if (maxQueueSize < 1) {
            throw new IllegalArgumentException("maxQueueSize must be >= 1: " + maxQueueSize);
        }
        if (dataParallelRank != null && dataParallelRank < 0) {
            throw new IllegalArgumentException("dataParallelRank must be >= 0: " + dataParallelRank);
        }
    }

    /** The settings with vLLM's bind-or-connect rule ({@code bind} null), as before the explicit bind existed. */
    public KvEventsConfig(String endpoint, String replayEndpoint, String topic, boolean mapForm, int bufferSteps,
            int hwm, int maxQueueSize, long firstSequence, Integer dataParallelRank) {
        this(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize, firstSequence, dataParallelRank,
                null);
    }

    /** vLLM's defaults: bind {@code tcp://*:5557}, no replay, empty topic, array events, sequence from 0. */
    public static KvEventsConfig defaults() {
        return new KvEventsConfig(DEFAULT_ENDPOINT, null, "", false, DEFAULT_BUFFER_STEPS, DEFAULT_HWM,
                DEFAULT_MAX_QUEUE_SIZE, 0L, null, null);
    }

    /** vLLM's defaults with the given endpoint and topic. */
    public static KvEventsConfig of(String endpoint, String topic) {
        return defaults().withEndpoint(endpoint).withTopic(topic);
    }

    public KvEventsConfig withEndpoint(String endpoint) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withReplayEndpoint(String replayEndpoint) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withTopic(String topic) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withMapForm(boolean mapForm) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withBufferSteps(int bufferSteps) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withHwm(int hwm) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withMaxQueueSize(int maxQueueSize) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withFirstSequence(long firstSequence) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    public KvEventsConfig withBind(Boolean bind) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    /** Whether the PUB endpoint is bound: {@link #bind()} when set, else vLLM's rule. */
    public boolean binds() {
        return bind != null ? bind : ZmqKvEventPublisher.binds(endpoint);
    }

    public KvEventsConfig withDataParallelRank(Integer dataParallelRank) {
        return new KvEventsConfig(endpoint, replayEndpoint, topic, mapForm, bufferSteps, hwm, maxQueueSize,
                firstSequence, dataParallelRank, bind);
    }

    /**
     * The config of data-parallel rank {@code rank} as vLLM derives it: each rank publishes on its own endpoint
     * ({@link #offsetEndpoint(String, int)} on both the PUB and the replay endpoint) and stamps its rank on every batch.
     */
    public KvEventsConfig forDataParallelRank(int rank) {
        return new KvEventsConfig(offsetEndpoint(endpoint, rank),
                replayEndpoint == null ? null : offsetEndpoint(replayEndpoint, rank), topic, mapForm, bufferSteps, hwm,
                maxQueueSize, firstSequence, rank, bind);
    }

    /**
     * vLLM's per-rank endpoint: a {@code tcp://host:port} endpoint gets {@code port + rank}, an {@code inproc://name}
     * endpoint gets the suffix {@code _dp<rank>}; anything else (including a wildcard port) is returned unchanged.
     */
    public static String offsetEndpoint(String endpoint, int rank) {
        if (rank < 0) {
            throw new IllegalArgumentException("rank must be >= 0: " + rank);
        }
        if (endpoint.startsWith("inproc://")) {
            return endpoint + "_dp" + rank;
        }
        if (endpoint.startsWith("tcp://")) {
            int colon = endpoint.lastIndexOf(':');
            if (colon > "tcp://".length()) {
                String port = endpoint.substring(colon + 1);
                if (!port.isEmpty() && port.chars().allMatch(Character::isDigit)) {
                    return endpoint.substring(0, colon + 1) + (Integer.parseInt(port) + rank);
                }
            }
        }
        return endpoint;
    }
}
