package io.quarkiverse.llmd.runtime.embedded;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/**
 * Simulated vLLM pods in this JVM, one {@link SimulatedFleet} per hardware profile, on free ports. Shared by Dev
 * Services (dev and test mode) and the embedded fleet of the gateway app (prod mode), so both start the same thing.
 * Touching this class needs {@code quarkus-llmd-simulator} on the class path: check {@link #available()} first.
 */
public final class EmbeddedFleet implements AutoCloseable {

    /** Label telling the accelerator class, as WVA's VariantAutoscaling names it. */
    public static final String ACCELERATOR_LABEL = "inference.optimization/acceleratorName";

    private static final String SIMULATOR_CLASS = "io.quarkiverse.llmd.simulator.SimulatedFleet";

    /**
     * One simulated pod as the scheduler sees it.
     *
     * @param name endpoint name ({@code sim-<gpu>-<i>})
     * @param address {@code host:port} of its OpenAI API and {@code /metrics}
     * @param labels role and accelerator labels
     * @param profile full name of the simulator's hardware profile
     */
    public record Member(String name, String address, Map<String, String> labels, String profile) {

        public Endpoint toEndpoint() {
            return Endpoint.of(name, address, labels);
        }
    }

    /**
     * What to start.
     *
     * @param model served model name
     * @param profiles hardware profiles ({@code H100}, {@code A100}, {@code L4} or full names), one group each
     * @param replicas pods per profile
     * @param timeScale simulated time runs this many times faster than the wall clock
     * @param host interface to listen on
     */
    public record Settings(String model, List<String> profiles, int replicas, double timeScale, String host) {

        public Settings {
            profiles = List.copyOf(profiles);
            if (profiles.isEmpty()) {
                throw new IllegalArgumentException("the simulated fleet needs at least one hardware profile");
            }
            if (replicas < 1) {
                throw new IllegalArgumentException("the simulated fleet needs at least one replica per profile");
            }
        }
    }

    private final List<SimulatedFleet> fleets;
    private final List<Member> members;
    private final Settings settings;

    private EmbeddedFleet(List<SimulatedFleet> fleets, List<Member> members, Settings settings) {
        this.fleets = List.copyOf(fleets);
        this.members = List.copyOf(members);
        this.settings = settings;
    }

    /** Whether the simulator is on the class path. */
    public static boolean available() {
        try {
            Class.forName(SIMULATOR_CLASS, false, EmbeddedFleet.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Starts every group and waits until all pods listen.
     *
     * @throws IllegalArgumentException on an unknown hardware profile
     * @throws IllegalStateException when a pod cannot listen
     */
    public static EmbeddedFleet start(Settings settings) {
        List<SimulatedFleet> fleets = new ArrayList<>();
        List<Member> members = new ArrayList<>();
        try {
            Map<String, Integer> seen = new LinkedHashMap<>();
            for (String profileName : settings.profiles()) {
                HardwareProfile hardware = HardwareProfile.byName(profileName);
                String gpu = gpuClass(profileName);
                String prefix = gpu.toLowerCase(Locale.ROOT);
                int group = seen.merge(prefix, 1, Integer::sum);
                if (group > 1) {
                    prefix = prefix + "-g" + group; // the same profile listed twice: keep names unique
                }
                SimulatorConfig config = SimulatorConfig.builder(settings.model())
                        .hardware(hardware)
                        .replicas(settings.replicas())
                        .host(settings.host())
                        .port(0)
                        .timeScale(settings.timeScale())
                        .seed(42L + fleets.size())
                        .build();
                SimulatedFleet fleet = SimulatedFleet.start(config);
                fleets.add(fleet);
                List<String> addresses = fleet.addresses();
                for (int i = 0; i < addresses.size(); i++) {
                    Map<String, String> labels = new LinkedHashMap<>();
                    labels.put(Endpoint.ROLE_LABEL, "decode");
                    labels.put(ACCELERATOR_LABEL, gpu);
                    members.add(new Member("sim-" + prefix + "-" + i, addresses.get(i), Map.copyOf(labels),
                            hardware.name()));
                }
            }
        } catch (RuntimeException e) {
            for (SimulatedFleet fleet : fleets) {
                fleet.close();
            }
            throw e;
        }
        return new EmbeddedFleet(fleets, members, settings);
    }

    /** The pods, grouped by profile in the configured order. */
    public List<Member> members() {
        return members;
    }

    public List<Endpoint> endpoints() {
        List<Endpoint> endpoints = new ArrayList<>(members.size());
        for (Member m : members) {
            endpoints.add(m.toEndpoint());
        }
        return endpoints;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The configuration that points the extension at these pods:
     * {@code quarkus.llmd.endpoints."<name>".address} and {@code .labels."<label>"}.
     */
    public Map<String, String> endpointConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        for (Member m : members) {
            String key = "quarkus.llmd.endpoints.\"" + m.name() + "\"";
            config.put(key + ".address", m.address());
            for (Map.Entry<String, String> label : new java.util.TreeMap<>(m.labels()).entrySet()) {
                config.put(key + ".labels.\"" + label.getKey() + "\"", label.getValue());
            }
        }
        return config;
    }

    /** One line per pod, for the startup log. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Member m : members) {
            sb.append(String.format("%n  %-14s http://%-21s %s (%s)", m.name(), m.address(), m.profile(),
                    settings.model()));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (SimulatedFleet fleet : fleets) {
            fleet.close();
        }
    }

    /** {@code H100} for {@code h100} and {@code h100-qwen3-32b-tp2}. */
    static String gpuClass(String profileName) {
        String n = profileName.trim();
        int dash = n.indexOf('-');
        return (dash > 0 ? n.substring(0, dash) : n).toUpperCase(Locale.ROOT);
    }
}
