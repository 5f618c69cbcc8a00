package io.quarkiverse.llmd.engine.flowcontrol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;

/**
 * The {@code flowControl} section of the EndpointPickerConfig, validated (reference scheduler-epp.md 3.3, 5):
 *
 * <pre>
 * flowControl:
 *   maxBytes: 10Gi              # global limit, k8s quantity; 0 or absent = unlimited
 *   maxRequests: 10k            # global limit; 0 or absent = unlimited
 *   defaultRequestTTL: 30s      # Go duration; 0 or absent = wait until the client goes away
 *   defaultPriorityBand: {maxBytes, maxRequests, fairnessPolicyRef, orderingPolicyRef}  # template for other priorities
 *   priorityBands: [{priority, maxBytes, maxRequests, fairnessPolicyRef, orderingPolicyRef}]
 *   usageLimitPolicyPluginRef: static-usage-limit-policy
 * </pre>
 *
 * @param maxRequests global limit on queued requests; 0 is unlimited
 * @param maxBytes global limit on queued bytes; 0 is unlimited
 * @param defaultRequestTTL how long a request may wait; zero waits until cancelled
 * @param defaultBand template for priorities without a band of their own ({@link Band#priority()} unused)
 * @param bands the configured bands, highest priority first
 * @param usageLimit the usage-limit policy
 */
public record FlowControlConfig(long maxRequests, long maxBytes, Duration defaultRequestTTL, Band defaultBand,
        List<Band> bands, UsageLimitPolicy usageLimit) {

    /** Flow of requests without a fairness id header. */
    public static final String DEFAULT_FLOW_ID = "default-flow";
    /** Header carrying the fairness id. */
    public static final String FAIRNESS_ID_HEADER = "x-gateway-inference-fairness-id";
    /** Per-band byte limit when none is given, as llm-d's registry default. */
    public static final long DEFAULT_BAND_MAX_BYTES = 1_000_000_000L;

    private static final Set<String> TOP_FIELDS = Set.of("maxBytes", "maxRequests", "defaultRequestTTL",
            "defaultPriorityBand", "priorityBands", "usageLimitPolicyPluginRef");
    private static final Set<String> BAND_FIELDS = Set.of("priority", "maxBytes", "maxRequests", "fairnessPolicyRef",
            "orderingPolicyRef");

    public FlowControlConfig {
        bands = List.copyOf(bands);
    }

    /**
     * One priority band.
     *
     * @param maxRequests limit on its queued requests; 0 is unlimited
     * @param maxBytes limit on its queued bytes; 0 is unlimited
     */
    public record Band(int priority, long maxRequests, long maxBytes, FairnessPolicy fairness,
            OrderingPolicy ordering) {

        /** This band's settings for another priority (dynamic bands from the default template). */
        public Band withPriority(int newPriority) {
            return new Band(newPriority, maxRequests, maxBytes, fairness, ordering);
        }
    }

    /** llm-d's defaults: no global limits, no TTL, strict fairness, FCFS, usage limit 1.0. */
    public static FlowControlConfig defaults() {
        return parse("flowControl", null, name -> null);
    }

    /** The band of a priority: the configured one, or the default template. */
    public Band bandFor(int priority) {
        for (Band b : bands) {
            if (b.priority() == priority) {
                return b;
            }
        }
        return defaultBand.withPriority(priority);
    }

    /**
     * Validates a {@code flowControl} section.
     *
     * @param source file name or {@code --config-text}, for messages
     * @param section the section, or null for all defaults
     * @param plugins the configured plugins by name; a reference that is not a plugin name may name a policy type,
     *        which is then created with default parameters
     * @throws ConfigException naming the field, for instance {@code flowControl.priorityBands[1].maxBytes}
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
                s = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            }
            rejectUnknown(s, p, TOP_FIELDS);
            long maxRequests = quantity(s, p, "maxRequests", 0);
            long maxBytes = quantity(s, p, "maxBytes", 0);
            Duration ttl = Duration.ZERO;
            JsonNode ttlNode = s.get("defaultRequestTTL");
            if (ttlNode != null && !ttlNode.isNull()) {
                if (!ttlNode.isTextual() && !(ttlNode.isIntegralNumber() && ttlNode.asLong() == 0)) {
                    throw error(p + ".defaultRequestTTL", "must be a duration such as \"30s\", got " + ttlNode);
                }
                try {
                    ttl = GoDuration.parseNonNegative("defaultRequestTTL", ttlNode.asText());
                } catch (PluginConfigException e) {
                    throw error(p + ".defaultRequestTTL", e.getMessage());
                }
            }
            Band template = band(s.get("defaultPriorityBand"), p + ".defaultPriorityBand", false);
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
            return new FlowControlConfig(maxRequests, maxBytes, ttl, template, bands, usage);
        }

        private Band band(JsonNode b, String p, boolean needsPriority) {
            if (b == null || b.isNull()) {
                b = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
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
            long maxRequests = quantity(b, p, "maxRequests", 0);
            long maxBytes = quantity(b, p, "maxBytes", DEFAULT_BAND_MAX_BYTES);
            FairnessPolicy fairness = policy(b, p, "fairnessPolicyRef", FlowControlPolicies.GLOBAL_STRICT_FAIRNESS,
                    FairnessPolicy.class);
            OrderingPolicy ordering = policy(b, p, "orderingPolicyRef", FlowControlPolicies.FCFS_ORDERING,
                    OrderingPolicy.class);
            return new Band(priority, maxRequests, maxBytes, fairness, ordering);
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
                    throw error(p + "." + f, "unknown field; expected one of " + new java.util.TreeSet<>(allowed));
                }
            }
        }

        private ConfigException error(String field, String problem) {
            return new ConfigException(source, 0, field, problem);
        }
    }
}
