package io.quarkiverse.llmd.llmisvc.service;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Our annotations on an LLMInferenceService, all under the one prefix {@value #PREFIX}:
 * <table>
 * <caption>keys</caption>
 * <tr><td>{@code enabled}</td><td>{@code "true"} opts the service in: the gateway builds a pool for it</td></tr>
 * <tr><td>{@code scheduler-config}</td><td>{@code <configmap>} or {@code <configmap>/<key>} (key defaults to
 * {@value ConfigMapRef#DEFAULT_KEY}): an EndpointPickerConfig that wins over the service's own
 * {@code spec.router.scheduler.config}</td></tr>
 * <tr><td>{@code slo-ttft-ms}, {@code slo-itl-ms}</td><td>latency targets in milliseconds (positive)</td></tr>
 * <tr><td>{@code hardware-class}</td><td>what a replica runs on, for instance {@code H100}</td></tr>
 * <tr><td>{@code cost-per-replica}</td><td>a non-negative decimal, in the operator's unit</td></tr>
 * <tr><td>{@code min-replicas}, {@code max-replicas}</td><td>replica bounds for the autoscaler</td></tr>
 * </table>
 * Any other key under the prefix is an error, so a typo is reported rather than silently ignored.
 *
 * @param schedulerConfig the annotation's scheduler-config reference, if any
 * @param hints what the autoscaler may use
 */
public record ServiceAnnotations(Optional<ConfigMapRef> schedulerConfig, ServiceScalingHints hints) {

    /** The prefix of every key we read. */
    public static final String PREFIX = "llmd.quarkiverse.io/";
    public static final String ENABLED = PREFIX + "enabled";
    public static final String SCHEDULER_CONFIG = PREFIX + "scheduler-config";
    public static final String SLO_TTFT_MS = PREFIX + "slo-ttft-ms";
    public static final String SLO_ITL_MS = PREFIX + "slo-itl-ms";
    public static final String HARDWARE_CLASS = PREFIX + "hardware-class";
    public static final String COST_PER_REPLICA = PREFIX + "cost-per-replica";
    public static final String MIN_REPLICAS = PREFIX + "min-replicas";
    public static final String MAX_REPLICAS = PREFIX + "max-replicas";

    private static final Set<String> KNOWN = Set.of(ENABLED, SCHEDULER_CONFIG, SLO_TTFT_MS, SLO_ITL_MS,
            HARDWARE_CLASS, COST_PER_REPLICA, MIN_REPLICAS, MAX_REPLICAS);
    /** A DNS-1123 subdomain (ConfigMap names) and a ConfigMap data key. */
    private static final Pattern CONFIGMAP_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern CONFIGMAP_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
    private static final Pattern HARDWARE = Pattern.compile("[-._a-zA-Z0-9]{1,63}");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,12}(\\.\\d{1,9})?");

    /** Whether the service opted in ({@code enabled: "true"}); any other value, or none, leaves it alone. */
    public static boolean optedIn(Map<String, String> annotations) {
        return annotations != null && "true".equalsIgnoreCase(trim(annotations.get(ENABLED)));
    }

    /**
     * Reads every key under the prefix.
     *
     * @throws IllegalArgumentException naming every malformed or unknown key
     */
    public static ServiceAnnotations parse(Map<String, String> annotations) {
        Map<String, String> a = annotations == null ? Map.of() : annotations;
        List<String> problems = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        for (String key : a.keySet()) {
            if (key.startsWith(PREFIX) && !KNOWN.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            problems.add("unknown " + (unknown.size() == 1 ? "key " : "keys ") + unknown + "; known keys: "
                    + new TreeSet<>(KNOWN));
        }
        String enabled = trim(a.get(ENABLED));
        if (enabled != null && !enabled.equalsIgnoreCase("true") && !enabled.equalsIgnoreCase("false")) {
            problems.add(ENABLED + ": expected true or false, got '" + clip(enabled) + "'");
        }
        Optional<ConfigMapRef> config = Optional.empty();
        String ref = trim(a.get(SCHEDULER_CONFIG));
        if (ref != null) {
            int slash = ref.indexOf('/');
            String name = slash < 0 ? ref : ref.substring(0, slash);
            String key = slash < 0 ? null : ref.substring(slash + 1);
            if (!CONFIGMAP_NAME.matcher(name).matches() || key != null && !CONFIGMAP_KEY.matcher(key).matches()) {
                problems.add(SCHEDULER_CONFIG + ": expected <configmap> or <configmap>/<key>, got '" + clip(ref)
                        + "'");
            } else {
                config = Optional.of(new ConfigMapRef(name, key));
            }
        }
        Optional<Duration> ttft = millis(a, SLO_TTFT_MS, problems);
        Optional<Duration> itl = millis(a, SLO_ITL_MS, problems);
        Optional<String> hardware = Optional.ofNullable(trim(a.get(HARDWARE_CLASS)));
        if (hardware.isPresent() && !HARDWARE.matcher(hardware.get()).matches()) {
            problems.add(HARDWARE_CLASS + ": expected up to 63 letters, digits, '-', '_' or '.', got '"
                    + clip(hardware.get()) + "'");
            hardware = Optional.empty();
        }
        Optional<BigDecimal> cost = Optional.empty();
        String c = trim(a.get(COST_PER_REPLICA));
        if (c != null) {
            if (DECIMAL.matcher(c).matches()) {
                cost = Optional.of(new BigDecimal(c));
            } else {
                problems.add(COST_PER_REPLICA + ": expected a non-negative decimal such as 12.5, got '" + clip(c)
                        + "'");
            }
        }
        Optional<Integer> min = count(a, MIN_REPLICAS, problems);
        Optional<Integer> max = count(a, MAX_REPLICAS, problems);
        ServiceScalingHints hints = ServiceScalingHints.NONE;
        if (problems.isEmpty()) {
            try {
                hints = new ServiceScalingHints(ttft, itl, hardware, cost, min, max);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new ServiceAnnotations(config, hints);
    }

    private static Optional<Duration> millis(Map<String, String> a, String key, List<String> problems) {
        String v = trim(a.get(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!DECIMAL.matcher(v).matches() || new BigDecimal(v).signum() <= 0) {
            problems.add(key + ": expected a positive number of milliseconds, got '" + clip(v) + "'");
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(new BigDecimal(v).movePointRight(6).longValue()));
    }

    private static Optional<Integer> count(Map<String, String> a, String key, List<String> problems) {
        String v = trim(a.get(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!v.matches("\\d{1,6}")) {
            problems.add(key + ": expected a whole number up to 999999, got '" + clip(v) + "'");
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(v));
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    /** An annotation value quoted back in a message, bounded. */
    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
