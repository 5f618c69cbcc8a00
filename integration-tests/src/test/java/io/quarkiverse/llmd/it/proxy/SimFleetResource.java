package io.quarkiverse.llmd.it.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.FailureConfig;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts in-process simulated vLLM fleets for a test profile and points the application's two static endpoints
 * ({@code default/vllm-a-rank-0}, {@code default/vllm-b-rank-0}, declared in application.properties) at them.
 * <p>
 * Arguments: {@code mode} = {@code healthy} (two healthy pods), {@code failures} (a healthy pod, a dead address on
 * 127.0.0.3, and a third endpoint whose pod drops every connection after the first streamed chunk), {@code pd}
 * (a decode pod and a prefill pod, each behind a {@link RecordingFront}).
 */
public class SimFleetResource implements QuarkusTestResourceLifecycleManager {

    public static final String MODEL = "sim-model";
    private static final Map<String, SimulatedFleet> FLEETS = new ConcurrentHashMap<>();
    private static final Map<String, RecordingFront> FRONTS = new ConcurrentHashMap<>();
    private static final Map<String, String> ADDRESSES = new ConcurrentHashMap<>();

    private String mode;

    @Override
    public void init(Map<String, String> initArgs) {
        mode = initArgs.getOrDefault("mode", "healthy");
    }

    static SimulatorConfig.Builder sim() {
        return SimulatorConfig.builder(MODEL).port(0).timeScale(20).seed(7);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> props = new HashMap<>();
        String a = "quarkus.llmd.endpoints.\"default/vllm-a-rank-0\"";
        String b = "quarkus.llmd.endpoints.\"default/vllm-b-rank-0\"";
        switch (mode) {
            case "healthy" -> {
                SimulatedFleet fleet = SimulatedFleet.start(sim().replicas(2).build());
                FLEETS.put("healthy", fleet);
                props.put(a + ".address", fleet.addresses().get(0));
                props.put(b + ".address", fleet.addresses().get(1));
                ADDRESSES.put("a", fleet.addresses().get(0));
                ADDRESSES.put("b", fleet.addresses().get(1));
            }
            case "bench" -> {
                SimulatedFleet fleet = SimulatedFleet.start(sim().replicas(1)
                        .timeScale(Double.parseDouble(System.getProperty("bench.time-scale", "20"))).build());
                FLEETS.put("bench", fleet);
                // both static endpoint names point at the one pod, so direct and proxied traffic meet the same engine
                props.put(a + ".address", fleet.addresses().get(0));
                props.put(b + ".address", fleet.addresses().get(0));
                ADDRESSES.put("bench", fleet.addresses().get(0));
            }
            case "failures" -> {
                SimulatedFleet healthy = SimulatedFleet.start(sim().replicas(1).build());
                SimulatedFleet dropping = SimulatedFleet.start(sim().replicas(1).failures(new FailureConfig(1.0,
                        java.util.EnumSet.of(FailureConfig.Kind.DROP_CONNECTION), 0, 0)).build());
                SimulatedFleet overloaded = SimulatedFleet.start(sim().replicas(1).host("127.0.0.5")
                        .advertisedHost("127.0.0.5").failures(new FailureConfig(1.0,
                                java.util.EnumSet.of(FailureConfig.Kind.SERVER_ERROR), 0, 0))
                        .build());
                FLEETS.put("healthy", healthy);
                FLEETS.put("dropping", dropping);
                FLEETS.put("overloaded", overloaded);
                props.put("quarkus.llmd.endpoints.\"default/vllm-503-rank-0\".address",
                        overloaded.addresses().get(0));
                ADDRESSES.put("overloaded", overloaded.addresses().get(0));
                String dead = "127.0.0.3:" + freePort();
                props.put(a + ".address", healthy.addresses().get(0));
                props.put(b + ".address", dead);
                props.put("quarkus.llmd.endpoints.\"default/vllm-drop-rank-0\".address", dropping.addresses().get(0));
                ADDRESSES.put("healthy", healthy.addresses().get(0));
                ADDRESSES.put("dead", dead);
                ADDRESSES.put("dropping", dropping.addresses().get(0));
            }
            case "pd" -> {
                SimulatedFleet fleet = SimulatedFleet.start(sim().replicas(2).kvTransferSecondsPerToken(1e-6).build());
                FLEETS.put("pd", fleet);
                RecordingFront decode = RecordingFront.start(fleet.addresses().get(0));
                RecordingFront prefill = RecordingFront.start(fleet.addresses().get(1));
                FRONTS.put("decode", decode);
                FRONTS.put("prefill", prefill);
                props.put(a + ".address", decode.address());
                props.put(a + ".labels.\"llm-d.ai/role\"", "decode");
                props.put(b + ".address", prefill.address());
                props.put(b + ".labels.\"llm-d.ai/role\"", "prefill");
                props.put("quarkus.llmd.pd.sidecar.vllm-port", Integer.toString(decode.port()));
                ADDRESSES.put("decode", decode.address());
                ADDRESSES.put("prefill", prefill.address());
            }
            default -> throw new IllegalArgumentException(mode);
        }
        return props;
    }

    @Override
    public void stop() {
        FRONTS.values().forEach(RecordingFront::close);
        FRONTS.clear();
        FLEETS.values().forEach(SimulatedFleet::close);
        FLEETS.clear();
        ADDRESSES.clear();
    }

    public static SimulatedFleet fleet(String name) {
        return FLEETS.get(name);
    }

    public static RecordingFront front(String name) {
        return FRONTS.get(name);
    }

    public static String address(String name) {
        return ADDRESSES.get(name);
    }

    public static List<String> addresses() {
        return List.copyOf(ADDRESSES.values());
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
