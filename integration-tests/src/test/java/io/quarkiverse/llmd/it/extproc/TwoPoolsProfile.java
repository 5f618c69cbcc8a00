package io.quarkiverse.llmd.it.extproc;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * One gateway, three named pools on simulated pods: {@code pa} serves {@code model-a} (one pod), {@code pb} serves
 * {@code model-b} (two pods on one IP, told apart by port), {@code pc} serves {@code model-c} from a dead address
 * and a healthy pod on the same IP. The default pool (the application's two unreachable static endpoints) declares
 * a model nobody asks for, so it takes no traffic.
 */
public class TwoPoolsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.ext-proc.secure-serving", "false",
                "quarkus.llmd.models", "unused-default-model",
                "quarkus.llmd.pools.\"pa\".models", "model-a",
                "quarkus.llmd.pools.\"pb\".models", "model-b",
                "quarkus.llmd.pools.\"pc\".models", "model-c");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fleets.class));
    }

    /** The simulated pods of the three pools. */
    public static final class Fleets implements QuarkusTestResourceLifecycleManager {

        static final Map<String, SimulatedFleet> FLEETS = new ConcurrentHashMap<>();
        static final Map<String, String> ADDRESSES = new ConcurrentHashMap<>();

        private static SimulatedFleet fleet(String model, int replicas) {
            SimulatedFleet f = SimulatedFleet.start(SimulatorConfig.builder(model).port(0).replicas(replicas)
                    .timeScale(20).seed(7).build());
            FLEETS.put(model, f);
            return f;
        }

        @Override
        public Map<String, String> start() {
            Map<String, String> props = new HashMap<>();
            SimulatedFleet a = fleet("model-a", 1);
            SimulatedFleet b = fleet("model-b", 2);
            SimulatedFleet c = fleet("model-c", 1);
            put(props, "pa", "pa/a-0", a.addresses().get(0));
            put(props, "pb", "pb/b-0", b.addresses().get(0));
            put(props, "pb", "pb/b-1", b.addresses().get(1));
            String dead;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                dead = "127.0.0.1:" + s.getLocalPort(); // closed again: nothing listens there
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            put(props, "pc", "pc/dead", dead);
            put(props, "pc", "pc/ok", c.addresses().get(0));
            return props;
        }

        private static void put(Map<String, String> props, String pool, String endpoint, String address) {
            props.put("quarkus.llmd.pools.\"" + pool + "\".endpoints.\"" + endpoint + "\".address", address);
            ADDRESSES.put(endpoint, address);
        }

        @Override
        public void stop() {
            FLEETS.values().forEach(SimulatedFleet::close);
            FLEETS.clear();
        }
    }
}
