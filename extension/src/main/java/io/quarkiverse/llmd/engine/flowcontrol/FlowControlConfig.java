package io.quarkiverse.llmd.engine.flowcontrol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;

/**
 * The {@code flowControl} section of the EndpointPickerConfig, validated, with llm-d v0.10's defaults (reference
 * scheduler-epp.md 3.3, 5; llm-d-v0.10-deltas.md 1.7, 4.1):
 *
 * <pre>
 * flowControl:
 *   maxBytes: 10Gi                 # global limit, k8s quantity; 0 or absent = unlimited
 *   maxRequests: 10k               # global limit; 0 or absent = unlimited
 *   defaultRequestTTL: 60s         # queue-wait budget while the pool has endpoints; absent = 60s, "0s" = none
 *   noEndpointRequestTTL: 5m       # budget while the pool has no endpoint; absent = defaultRequestTTL if set, else 60s
 *   defaultPriorityBand: {maxBytes, maxRequests, fairnessPolicyRef, orderingPolicyRef}     # template, priorities >= 0
 *   defaultNegativePriorityBand: {maxBytes, maxRequests, ...}   # template for priorities < 0; absent = the one above
 *   priorityBands: [{priority, maxBytes, maxRequests, fairnessPolicyRef, orderingPolicyRef}]
 *   usageLimitPolicyPluginRef: static-usage-limit-policy
 *   saturationDetector: {pluginRef: utilization-detector}
 *   enableEviction: false          # evict in-flight sheddable requests when higher priorities are blocked
 * </pre>
 *
 * Per band, {@code maxRequests} and {@code maxBytes} absent or 0 mean the system default (5000 requests, 1 GB): a
 * band is always bounded, as in llm-d v0.10. Only the global limits can be unlimited.
 *
 * @param maxRequests global limit on queued requests; 0 is unlimited
 * @param maxBytes global limit on queued bytes; 0 is unlimited
 * @param defaultRequestTTL how long a request may wait while the pool has endpoints; zero waits until cancelled
 * @param noEndpointRequestTTL how long a request may wait while the pool has no endpoint; zero waits until
 *        cancelled or an endpoint appears
 * @param defaultBand template for priorities {@code >= 0} without a band of their own ({@link Band#priority()} unused)
 * @param defaultNegativeBand template for priorities {@code < 0} without a band of their own: the configured
 *        {@code defaultNegativePriorityBand}, else the same as {@code defaultBand}
 * @param bands the configured bands, highest priority first
 * @param usageLimit the usage-limit policy
 * @param saturationDetectorRef the plugin named by {@code flowControl.saturationDetector.pluginRef}, or null when the
 *        section does not name one (the loader then uses the deprecated top-level field or the default detector)
 * @param enableEviction whether in-flight requests of priority {@code < 0} may be evicted to make room
 */
public record FlowControlConfig(long maxRequests, long maxBytes, Duration defaultRequestTTL,
        Duration noEndpointRequestTTL, Band defaultBand, Band defaultNegativeBand, List<Band> bands,
        UsageLimitPolicy usageLimit, String saturationDetectorRef, boolean enableEviction) {

    /** Flow of requests without a fairness id header. */
    public static final String DEFAULT_FLOW_ID = "default-flow";
    /** Header carrying the fairness id. */
    public static final String FAIRNESS_ID_HEADER = "x-gateway-inference-fairness-id";
    /** Per-band byte limit when none (or 0) is given, as llm-d's registry default. */
    public static final long DEFAULT_BAND_MAX_BYTES = 1_000_000_000L;
    /** Per-band request limit when none (or 0) is given, as llm-d v0.10 (#2123). */
    public static final long DEFAULT_BAND_MAX_REQUESTS = 5000L;
    /** Queue-wait budget when none is given, as llm-d v0.10 (#2123); also the no-endpoint budget's default. */
    public static final Duration DEFAULT_REQUEST_TTL = Duration.ofSeconds(60);

    private static final Set<String> TOP_FIELDS = Set.of("maxBytes", "maxRequests", "defaultRequestTTL",
            "noEndpointRequestTTL", "defaultPriorityBand", "defaultNegativePriorityBand", "priorityBands",
            "usageLimitPolicyPluginRef", "saturationDetector", "enableEviction");
    private static final Set<String> BAND_FIELDS = Set.of("priority", "maxBytes", "maxRequests", "fairnessPolicyRef",
            "orderingPolicyRef");

    public FlowControlConfig {
        bands = List.copyOf(bands);
    }

    /**
     * One priority band.
     *
     * @param maxRequests limit on its queued requests, always positive
     * @param maxBytes limit on its queued bytes, always positive
     */
    public record Band(int priority, long maxRequests, long maxBytes, FairnessPolicy fairness,
            OrderingPolicy ordering) {

        /** This band's settings for another priority (dynamic bands from a template). */
        public Band withPriority(int newPriority) {
            return new Band(newPriority, maxRequests, maxBytes, fairness, ordering);
        }
    }

    /**
     * llm-d v0.10's defaults: no global limits, request TTL 60 s with and without endpoints, bands of 5000 requests
     * and 1 GB, strict fairness, FCFS, usage limit 1.0, no eviction.
     */
    public static FlowControlConfig defaults() {
        return parse("flowControl", null, name -> null);
    }

    /**
     * The band of a priority: the configured one, else the negative-priority template for a priority below zero,
     * else the default template.
     */
    public Band bandFor(int priority) {
        for (Band b : bands) {
            if (b.priority() == priority) {
                return b;
            }
        }
        return (priority < 0 ? defaultNegativeBand : defaultBand).withPriority(priority);
    }

    /** The queue-wait budget in force: {@link #noEndpointRequestTTL()} while the pool is empty, else the default. */
    public Duration requestTTL(boolean poolHasEndpoints) {
        return poolHasEndpoints ? defaultRequestTTL : noEndpointRequestTTL;
    }

    /**
     * Validates a {@code flowControl} section.
     *
     * @param source file name or {@code --config-text}, for messages
     * @param section the section, or null for all defaults
     * @param plugins the configured plugins by name; a policy reference that is not a plugin name may name a policy
     *        type, which is then created with default parameters
     * @throws ConfigException naming the field, for instance {@code flowControl.priorityBands[1].maxBytes}; its line
     *         is 0 (the EndpointPickerConfig loader reports the line)
     */
    public static FlowControlConfig parse(String source, JsonNode section, Function<String, Plugin> plugins) {
        return new Parser(source, plugins).parse(section);
    }

    private static final class Parser {
        private final String source;
        private final Function<String, Plugin> plugins;

        Parser(String source, Function<String, Plugin> plugins) {
            this.source = source;
            this.plugins = plugins;
        }

        FlowControlConfig parse(JsonNode s) {
            String p = "flowControl";
            if (s != null && !s.isNull() && !s.isObject()) {
                throw error(p, "must be a mapping");
            }
            if (s == null || s.isNull()) {
                s = JsonNodeFactory.instance.objectNode();
            }
            rejectUnknown(s, p, TOP_FIELDS);
            long maxRequests = quantity(s, p, "maxRequests", 0);
            long maxBytes = quantity(s, p, "maxBytes", 0);
            Duration ttl = duration(s, p, "defaultRequestTTL");
            Duration noEndpointTtl = duration(s, p, "noEndpointRequestTTL");
            // llm-d: an explicit defaultRequestTTL bounds both regimes unless noEndpointRequestTTL splits them
            if (noEndpointTtl == null) {
                noEndpointTtl = ttl == null ? DEFAULT_REQUEST_TTL : ttl;
            }
            if (ttl == null) {
                ttl = DEFAULT_REQUEST_TTL;
            }
            Band template = band(s.get("defaultPriorityBand"), p + ".defaultPriorityBand", false);
            JsonNode negative = s.get("defaultNegativePriorityBand");
            Band negativeTemplate = negative == null || negative.isNull() ? template
                    : band(negative, p + ".defaultNegativePriorityBand", false);
            List<Band> bands = new ArrayList<>();
            JsonNode list = s.get("priorityBands");
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw error(p + ".priorityBands", "must be a list of bands");
                }
                Set<Integer> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    String bp = p + ".priorityBands[" + i + "]";
                    Band b = band(list.get(i), bp, true);
                    if (!seen.add(b.priority())) {
                        throw error(bp + ".priority", "priority " + b.priority() + " has more than one band");
                    }
                    bands.add(b);
                }
            }
            bands.sort(Comparator.comparingInt(Band::priority).reversed());
            UsageLimitPolicy usage = policy(s, p, "usageLimitPolicyPluginRef", FlowControlPolicies.STATIC_USAGE_LIMIT,
                    UsageLimitPolicy.class);
            String detector = saturationDetector(s.get("saturationDetector"), p + ".saturationDetector");
            boolean eviction = false;
            JsonNode ev = s.get("enableEviction");
            if (ev != null && !ev.isNull()) {
                if (!ev.isBoolean()) {
                    throw error(p + ".enableEviction", "must be true or false, got " + ev);
                }
                eviction = ev.booleanValue();
            }
            return new FlowControlConfig(maxRequests, maxBytes, ttl, noEndpointTtl, template, negativeTemplate, bands,
                    usage, detector, eviction);
        }

        /** A non-negative Go duration, or null when absent. */
        private Duration duration(JsonNode node, String p, String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            String fp = p + "." + field;
            if (!v.isTextual() && !(v.isIntegralNumber() && v.asLong() == 0)) {
                throw error(fp, "must be a duration such as \"30s\", got " + v);
            }
            try {
                return GoDuration.parseNonNegative(field, v.asText());
            } catch (PluginConfigException e) {
                throw error(fp, e.getMessage());
            }
        }

        private String saturationDetector(JsonNode node, String p) {
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw error(p, "must be a mapping with pluginRef");
            }
            rejectUnknown(node, p, Set.of("pluginRef"));
            JsonNode ref = node.get("pluginRef");
            if (ref == null || ref.isNull()) {
                throw error(p + ".pluginRef", "is required");
            }
            if (!ref.isTextual() || ref.textValue().isBlank()) {
                throw error(p + ".pluginRef", "must be the name of a plugin, got " + ref);
            }
            Plugin found = plugins.apply(ref.textValue());
            if (found == null) {
                throw error(p + ".pluginRef", "no plugin named '" + ref.textValue() + "'");
            }
            if (!(found instanceof SaturationDetector)) {
                throw error(p + ".pluginRef", "plugin '" + ref.textValue() + "' (" + found.typedName().type()
                        + ") is not a saturation detector");
            }
            return ref.textValue();
        }

        private Band band(JsonNode b, String p, boolean needsPriority) {
            if (b == null || b.isNull()) {
                b = JsonNodeFactory.instance.objectNode();
            }
            if (!b.isObject()) {
                throw error(p, "must be a mapping");
            }
            Set<String> allowed = new HashSet<>(BAND_FIELDS);
            if (!needsPriority) {
                allowed.remove("priority");
            }
            rejectUnknown(b, p, allowed);
            int priority = 0;
            if (needsPriority) {
                JsonNode pr = b.get("priority");
                if (pr == null || pr.isNull()) {
                    throw error(p + ".priority", "is required");
                }
                if (!pr.isIntegralNumber() || !pr.canConvertToInt()) {
                    throw error(p + ".priority", "must be an integer, got " + pr);
                }
                priority = pr.intValue();
            }
            // 0 means "the default", not "no room": llm-d v0.10 always bounds a band
            long maxRequests = quantity(b, p, "maxRequests", 0);
            long maxBytes = quantity(b, p, "maxBytes", 0);
            FairnessPolicy fairness = policy(b, p, "fairnessPolicyRef", FlowControlPolicies.GLOBAL_STRICT_FAIRNESS,
                    FairnessPolicy.class);
            OrderingPolicy ordering = policy(b, p, "orderingPolicyRef", FlowControlPolicies.FCFS_ORDERING,
                    OrderingPolicy.class);
            return new Band(priority, maxRequests == 0 ? DEFAULT_BAND_MAX_REQUESTS : maxRequests,
                    maxBytes == 0 ? DEFAULT_BAND_MAX_BYTES : maxBytes, fairness, ordering);
        }

        private long quantity(JsonNode node, String p, String field, long dflt) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isTextual() && !v.isNumber()) {
                throw error(p + "." + field, "must be a quantity such as 1000, \"500M\" or \"1Gi\", got " + v);
            }
            try {
                return Quantity.parse(field, v.isTextual() ? v.textValue() : v.asText());
            } catch (IllegalArgumentException e) {
                throw error(p + "." + field, e.getMessage());
            }
        }

        private <P> P policy(JsonNode node, String p, String field, String defaultType, Class<P> kind) {
            JsonNode v = node.get(field);
            String ref = defaultType;
            if (v != null && !v.isNull()) {
                if (!v.isTextual() || v.textValue().isBlank()) {
                    throw error(p + "." + field, "must be the name of a plugin, got " + v);
                }
                ref = v.textValue();
            }
            Object found = plugins.apply(ref);
            if (found == null) {
                found = FlowControlPolicies.defaultInstance(ref);
            }
            if (found == null) {
                throw error(p + "." + field, "no plugin named '" + ref + "'");
            }
            if (!kind.isInstance(found)) {
                String type = found instanceof Plugin pl ? pl.typedName().type() : ref;
                throw error(p + "." + field, "plugin '" + ref + "' (" + type + ") is not a "
                        + kind.getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase());
            }
            return kind.cast(found);
        }

        private void rejectUnknown(JsonNode node, String p, Set<String> allowed) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
                String f = it.next();
                if (!allowed.contains(f)) {
                    throw error(p + "." + f, "unknown field; expected one of " + new TreeSet<>(allowed));
                }
            }
        }

        private ConfigException error(String field, String problem) {
            return new ConfigException(source, 0, field, problem);
        }
    }
}
