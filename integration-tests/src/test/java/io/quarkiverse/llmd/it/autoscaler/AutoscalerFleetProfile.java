package io.quarkiverse.llmd.it.autoscaler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Two simulated pods with a batch of two requests each (so that a burst queues on them), scraped every 50 ms, and
 * the autoscaler on with one variant over the default pool, deciding every 300 ms with no stabilization window so
 * that a quiet pool scales down at once.
 */
public class AutoscalerFleetProfile implements QuarkusTestProfile {

    static final String MODEL = "sim-model";
    static final String VARIANT = "sim-h100";

    @Override
    public Map<String, String> getConfigOverrides() {
        String v = "quarkus.llmd.autoscaler.variants.\"" + VARIANT + "\"";
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.llmd.data-layer.scrape", "true");
        props.put("quarkus.llmd.data-layer.scrape-timeout", "250ms");
        props.put("quarkus.llmd.autoscaler.enabled", "true");
        props.put("quarkus.llmd.autoscaler.interval", "300ms");
        props.put("quarkus.llmd.autoscaler.stabilization-window", "0s");
        props.put("quarkus.llmd.autoscaler.decision-log-size", "500");
        props.put(v + ".namespace", "llm");
        props.put(v + ".model", MODEL);
        props.put(v + ".accelerator", "H100");
        props.put(v + ".cost", "12.5");
        props.put(v + ".min-replicas", "1");
        props.put(v + ".max-replicas", "6");
        props.put(v + ".max-num-seqs", "2");
        props.put(v + ".ttft", "1s");
        props.put(v + ".itl", "50ms");
        return props;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fleet.class));
    }

    /** A CloudEvent as the sink received it. */
    public record Event(Map<String, String> headers, String body) {
    }

    /** Events the sink received, newest last (the first 2,000). */
    static final List<Event> EVENTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * The two simulated pods behind the application's two static endpoints, and a CloudEvents sink on a free port.
     */
    public static class Fleet implements QuarkusTestResourceLifecycleManager {

        private SimulatedFleet fleet;
        private com.sun.net.httpserver.HttpServer sink;

        @Override
        public Map<String, String> start() {
            fleet = SimulatedFleet.start(SimulatorConfig.builder(MODEL).port(0).timeScale(20).seed(11).replicas(2)
                    .maxNumSeqs(2).build());
            try {
                sink = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            sink.createContext("/broker", exchange -> {
                Map<String, String> headers = new java.util.TreeMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT),
                        String.join(",", v)));
                String body = new String(exchange.getRequestBody().readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8);
                if (EVENTS.size() < 2000) {
                    EVENTS.add(new Event(headers, body));
                }
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
            });
            sink.start();
            return Map.of("quarkus.llmd.endpoints.\"default/vllm-a-rank-0\".address", fleet.addresses().get(0),
                    "quarkus.llmd.endpoints.\"default/vllm-b-rank-0\".address", fleet.addresses().get(1),
                    "quarkus.llmd.autoscaler.cloud-events.url",
                    "http://127.0.0.1:" + sink.getAddress().getPort() + "/broker/llm/default");
                    // vllm-a carries llm-d.ai/role=decode (application.properties): an aggregated variant takes it
        }

        @Override
        public void stop() {
            if (fleet != null) {
                fleet.close();
            }
            if (sink != null) {
                sink.stop(0);
            }
        }
    }
}
