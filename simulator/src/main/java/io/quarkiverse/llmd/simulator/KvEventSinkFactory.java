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
     * Pods publishing like vLLM in either of llm-d's deployment modes (reference kvcache-and-sim.md A1.1, A1.2):
     * <ul>
     * <li>{@code centralEndpoint} set (for example {@code tcp://gateway:5557}): every pod's PUB <em>connects</em> to
     * the one socket the gateway binds, and names itself in the topic;</li>
     * <li>otherwise pod {@code i} <em>binds</em> {@code tcp://<bindHost>:<kvEventsPort + i>} and the gateway
     * connects to each pod.</li>
     * </ul>
     * With {@code replayPort > 0}, pod {@code i} also binds a ROUTER replay socket on {@code replayPort + i} (on
     * {@code bindHost}). Topics are {@code kv@<host>:<httpPort>@<model>}, sequence numbers start at 0, and the
     * events are in the array form unless {@code mapForm}.
     *
     * @param centralEndpoint the gateway's socket to connect to, or null for per-pod sockets
     * @param bindHost the interface per-pod and replay sockets bind ({@code *} for all)
     * @param replayPort base ROUTER replay port, or 0 for no replay
     * @param mapForm vLLM's tagged-map events (after PR #42892) instead of positional arrays
     * @param onCreate called with each pod's publisher (tests keep it to inject faults)
     */
    static KvEventSinkFactory zmq(String centralEndpoint, String bindHost, int replayPort, boolean mapForm,
            java.util.function.BiConsumer<Integer, ZmqKvEventPublisher> onCreate) {
        if (replayPort < 0 || replayPort > 65535) {
            throw new IllegalArgumentException("replay port out of range: " + replayPort);
        }
        String central = centralEndpoint == null || centralEndpoint.isBlank() ? null : centralEndpoint;
        return (config, podIndex, host, httpPort, zmqPort) -> {
            String endpoint;
            if (central != null) {
                if (ZmqKvEventPublisher.binds(central)) {
                    throw new IllegalArgumentException("the centralized endpoint is the gateway's bound socket, which"
                            + " pods connect to: give its address (tcp://host:port), not " + central);
                }
                endpoint = central;
            } else if (zmqPort > 0) {
                endpoint = "tcp://" + bindHost + ":" + zmqPort;
            } else {
                return KvEventSink.NONE;
            }
            // per pod: bound even on a plain address, so that pods on their own IPs share one port
            KvEventsConfig kv = KvEventsConfig.of(endpoint, "kv@" + host + ":" + httpPort + "@" + config.model())
                    .withMapForm(mapForm).withBind(central == null);
            if (replayPort > 0) {
                kv = kv.withReplayEndpoint("tcp://" + bindHost + ":" + (replayPort + podIndex));
            }
            ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(kv);
            if (onCreate != null) {
                onCreate.accept(podIndex, publisher);
            }
            return publisher;
        };
    }

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
