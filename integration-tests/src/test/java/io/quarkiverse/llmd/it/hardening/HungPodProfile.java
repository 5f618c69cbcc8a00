package io.quarkiverse.llmd.it.hardening;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A pool of three endpoints, picked at random: a healthy simulated pod, a hung pod (a raw socket that accepts
 * connections and never writes a byte; its metrics are scraped from the other simulated pod so that only outlier
 * detection can take it out), and a healthy pod whose metrics port refuses connections. Short bounds so the test runs
 * in seconds: first byte within 1 s, two failures eject for 8 s, stale after 10 scrape intervals of 100 ms.
 */
public class HungPodProfile implements QuarkusTestProfile {

    static final String HEALTHY = "default/vllm-a-rank-0";
    static final String HUNG = "default/vllm-b-rank-0";
    static final String NO_METRICS = "default/no-metrics-rank-0";

    static final String RANDOM = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: random-picker
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: random-picker
            """;

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.llmd.config-text", RANDOM);
        m.put("quarkus.llmd.data-layer.scrape", "true");
        m.put("quarkus.llmd.data-layer.refresh-interval", "100ms");
        m.put("quarkus.llmd.data-layer.scrape-timeout", "250ms");
        m.put("quarkus.llmd.proxy.first-byte-timeout", "1s");
        m.put("quarkus.llmd.outlier-detection.consecutive-failures", "2");
        m.put("quarkus.llmd.outlier-detection.base-ejection-time", "8s");
        m.put("quarkus.llmd.outlier-detection.interval", "100ms");
        m.put("quarkus.llmd.outlier-detection.stale-after-intervals", "10");
        return m;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fleet.class));
    }

    /** The two simulated pods and the hung socket. */
    public static final class Fleet implements QuarkusTestResourceLifecycleManager {

        /** Connections the hung pod accepted. */
        static final AtomicInteger HUNG_CONNECTIONS = new AtomicInteger();
        static volatile String healthyAddress;

        private SimulatedFleet fleet;
        private ServerSocket hung;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> start() {
            fleet = SimulatedFleet.start(SimulatorConfig.builder("sim-model").port(0).replicas(2).timeScale(20)
                    .seed(7).build());
            try {
                hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread acceptor = new Thread(() -> {
                while (!hung.isClosed()) {
                    try {
                        held.add(hung.accept()); // held open, never read, never answered
                        HUNG_CONNECTIONS.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "hung-pod");
            acceptor.setDaemon(true);
            acceptor.start();
            String healthy = fleet.addresses().get(0);
            String other = fleet.addresses().get(1);
            int otherPort = Integer.parseInt(other.substring(other.lastIndexOf(':') + 1));
            healthyAddress = healthy;
            Map<String, String> props = new HashMap<>();
            props.put("quarkus.llmd.endpoints.\"" + HEALTHY + "\".address", healthy);
            props.put("quarkus.llmd.endpoints.\"" + HUNG + "\".address", "127.0.0.1:" + hung.getLocalPort());
            props.put("quarkus.llmd.endpoints.\"" + HUNG + "\".metrics-port", Integer.toString(otherPort));
            props.put("quarkus.llmd.endpoints.\"" + NO_METRICS + "\".address", other);
            props.put("quarkus.llmd.endpoints.\"" + NO_METRICS + "\".metrics-port", Integer.toString(closedPort()));
            return props;
        }

        private static int closedPort() {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void stop() {
            try {
                hung.close();
            } catch (IOException e) {
                // closing
            }
            for (Socket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing
                }
            }
            fleet.close();
        }
    }
}
