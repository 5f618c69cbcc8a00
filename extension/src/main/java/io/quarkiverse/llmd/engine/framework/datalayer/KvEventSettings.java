package io.quarkiverse.llmd.engine.framework.datalayer;

/**
 * Where and how a {@link KvEventConsumer}'s KV events are received (llm-d's {@code kvEventsConfig}, reference
 * kvcache-and-sim.md A3.4, llm-d-v0.10-deltas.md 4.6), with defaults applied and values checked. The runtime's
 * subscriber reads it; the engine never opens a socket.
 *
 * @param zmqEndpoint the address the gateway binds in centralized mode (for example {@code tcp://*:5557}); empty
 *        when the pods are connected to one by one
 * @param topicFilter subscription prefix of the topic frame ({@code kv@})
 * @param concurrency index writers; one endpoint's batches always go to the same one
 * @param engineType {@code vllm} or {@code sglang}
 * @param discoverPods true: connect to each endpoint of the pool; false: bind {@code zmqEndpoint}
 * @param podLabelSelector llm-d's pod selector (the pool's own discovery decides the endpoints here)
 * @param podNamespace llm-d's pod namespace ("" = all)
 * @param socketPort each pod's PUB port in per-pod mode
 * @param replaySocketPort each pod's ROUTER replay port, or 0 when replay is off
 */
public record KvEventSettings(String zmqEndpoint, String topicFilter, int concurrency, String engineType,
        boolean discoverPods, String podLabelSelector, String podNamespace, int socketPort, int replaySocketPort) {

    public KvEventSettings {
        if (zmqEndpoint == null || topicFilter == null || engineType == null || podLabelSelector == null
                || podNamespace == null) {
            throw new IllegalArgumentException("KV-event settings need every text field (empty, not null)");
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        if (socketPort < 1 || socketPort > 65535) {
            throw new IllegalArgumentException("socketPort must be a port number, got " + socketPort);
        }
        if (replaySocketPort < 0 || replaySocketPort > 65535) {
            throw new IllegalArgumentException("replaySocketPort must be a port number or 0, got " + replaySocketPort);
        }
    }
}
