package io.quarkiverse.llmd.simulator;

import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.kvevents.KvEventSink;

/**
 * Creates the KV-event sink of each pod. This is the seam where the ZMQ publisher plugs in: pod {@code i} of a
 * fleet started with {@code --kv-events-port P} should publish on {@code P + i} with topic
 * {@code kv@<host>:<httpPort>@<model>}.
 */
@FunctionalInterface
public interface KvEventSinkFactory {

    /**
     * TODO(kv-events): return the ZMQ publisher from the kvevents package when {@code zmqPort > 0}; until it
     * lands, pods run without KV events.
     */
    KvEventSinkFactory DEFAULT = (config, podIndex, host, httpPort, zmqPort) -> KvEventSink.NONE;

    /**
     * @param config fleet configuration
     * @param podIndex index of the pod in the fleet
     * @param host advertised host of the pod
     * @param httpPort the pod's HTTP port
     * @param zmqPort {@code kvEventsPort + podIndex}, or 0 when KV events are off
     * @return the sink; {@link KvEventSink#NONE} to disable events for this pod (the engine then skips building them)
     */
    KvEventSink create(SimulatorConfig config, int podIndex, String host, int httpPort, int zmqPort);
}
