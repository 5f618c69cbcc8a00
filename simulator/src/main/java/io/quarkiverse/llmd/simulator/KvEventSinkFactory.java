package io.quarkiverse.llmd.simulator;

import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.kvevents.KvEventSink;
import io.quarkiverse.llmd.simulator.kvevents.KvEventsConfig;
import io.quarkiverse.llmd.simulator.kvevents.ZmqKvEventPublisher;

/**
 * Creates the KV-event sink of each pod. This is the seam where the ZMQ publisher plugs in: pod {@code i} of a
 * fleet started with {@code --kv-events-port P} should publish on {@code P + i} with topic
 * {@code kv@<host>:<httpPort>@<model>}.
 */
@FunctionalInterface
public interface KvEventSinkFactory {

    /**
     * Pods publish like vLLM in pod-discovery mode: a ZMQ PUB bound on {@code tcp://*:<zmqPort>}, topic
     * {@code kv@<host>:<httpPort>@<model>}, array-form events, sequence numbers from 0; no events when
     * {@code zmqPort} is 0.
     */
    KvEventSinkFactory DEFAULT = (config, podIndex, host, httpPort, zmqPort) -> zmqPort == 0 ? KvEventSink.NONE
            : new ZmqKvEventPublisher(KvEventsConfig.of("tcp://*:" + zmqPort,
                    "kv@" + host + ":" + httpPort + "@" + config.model()));

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
