package io.quarkiverse.llmd.it.kvevents;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkiverse.llmd.simulator.KvEventSinkFactory;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.kvevents.ZmqKvEventPublisher;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Two simulated vLLM pods publishing KV events over real ZMQ sockets, each on its own loopback address
 * ({@code 127.0.0.11}, {@code 127.0.0.12}) so that both can bind the same publisher and replay ports, as pods with
 * their own IPs do. Block size 64, as llm-d's guides use. Mode {@code centralized}: the pods connect to the socket
 * the gateway binds; {@code per-pod}: each pod binds its PUB and the gateway connects to it. Both modes bind a ROUTER
 * replay socket per pod. The application's two static endpoints point at the pods; the EndpointPickerConfig (set
 * by the profile) gets the ports through {@code kvevents.*} properties.
 */
public class KvEventsFleetResource implements QuarkusTestResourceLifecycleManager {

    public static final String MODEL = "sim-model";
    static final List<String> HOSTS = List.of("127.0.0.11", "127.0.0.12");
    private static final Map<String, SimulatedFleet> FLEETS = new ConcurrentHashMap<>();
    private static final Map<String, ZmqKvEventPublisher> PUBLISHERS = new ConcurrentHashMap<>();

    private String mode;

    @Override
    public void init(Map<String, String> initArgs) {
        mode = initArgs.getOrDefault("mode", "centralized");
    }

    @Override
    public Map<String, String> start() {
        int gatewayPort = commonFreePort(List.of("127.0.0.1"));
        int pubPort = commonFreePort(HOSTS);
        int replayPort = commonFreePort(HOSTS);
        boolean centralized = mode.equals("centralized");
        Map<String, String> props = new HashMap<>();
        String[] names = { "a", "b" };
        for (int i = 0; i < HOSTS.size(); i++) {
            String host = HOSTS.get(i);
            String name = names[i];
            SimulatorConfig config = SimulatorConfig.builder(MODEL).port(0).host(host).advertisedHost(host)
                    .hardware(HardwareProfile.H100_LLAMA_8B.withKv(4096, 64)).timeScale(50).seed(7 + i)
                    .kvEventsPort(centralized ? 0 : pubPort).build();
            KvEventSinkFactory sinks = KvEventSinkFactory.zmq(centralized ? "tcp://127.0.0.1:" + gatewayPort : null,
                    host, replayPort, i == 1, (index, publisher) -> PUBLISHERS.put(name, publisher));
            SimulatedFleet fleet = SimulatedFleet.start(config, sinks);
            FLEETS.put(name, fleet);
            props.put("quarkus.llmd.endpoints.\"default/vllm-" + name + "-rank-0\".address",
                    fleet.addresses().get(0));
        }
        props.put("kvevents.gateway-port", Integer.toString(gatewayPort));
        props.put("kvevents.pub-port", Integer.toString(pubPort));
        props.put("kvevents.replay-port", Integer.toString(replayPort));
        return props;
    }

    @Override
    public void stop() {
        FLEETS.values().forEach(SimulatedFleet::close);
        FLEETS.clear();
        PUBLISHERS.clear();
    }

    static SimulatedFleet fleet(String name) {
        return FLEETS.get(name);
    }

    static ZmqKvEventPublisher publisher(String name) {
        return PUBLISHERS.get(name);
    }

    /** A port free on every one of the addresses (each pod binds the same port on its own address). */
    static int commonFreePort(List<String> hosts) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(hosts.get(0)))) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            if (hosts.stream().allMatch(h -> free(h, port))) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on all of " + hosts);
    }

    private static boolean free(String host, int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
