package io.quarkiverse.llmd.engine.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfig.PluginRef;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfig.PluginSpec;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfig.ProfileSpec;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseObserver;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileHandler;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * Reads an EndpointPickerConfig (YAML or JSON) strictly, applies llm-d's defaulting rules and builds the
 * {@link Scheduler}. Every problem is a {@link ConfigException} naming the source, the line and the field.
 */
public final class EndpointPickerConfigLoader {

    /** Plugin types the defaulting rules add. */
    static final String SINGLE_PROFILE_HANDLER = "single-profile-handler";
    static final String MAX_SCORE_PICKER = "max-score-picker";
    static final String DEFAULT_PROFILE = "default";
    static final String UTILIZATION_DETECTOR = "utilization-detector";

    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "featureGates", "plugins",
            "schedulingProfiles", "saturationDetector", "dataLayer", "flowControl", "parser");
    private static final Set<String> PLUGIN_FIELDS = Set.of("name", "type", "parameters");
    private static final Set<String> PROFILE_FIELDS = Set.of("name", "plugins");
    private static final Set<String> REF_FIELDS = Set.of("pluginRef", "weight");
    private static final Set<String> KNOWN_GATES = Set.of("flowControl", "dataLayer", "enableLegacyMetrics");

    /** The configuration llm-d runs when none is given (reference 3.3). */
    public static final String DEFAULT_CONFIG = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - type: kv-cache-utilization-scorer
            - type: prefix-cache-scorer
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
                weight: 2
              - pluginRef: kv-cache-utilization-scorer
                weight: 2
              - pluginRef: prefix-cache-scorer
                weight: 3
            """;

    private final PluginRegistry registry;

    public EndpointPickerConfigLoader(PluginRegistry registry) {
        this.registry = registry;
    }

    /**
     * The result of loading: the effective config, the scheduler built from it, the saturation detector admission
     * uses ({@code saturationDetector.pluginRef}, else an injected {@code utilization-detector}), and warnings worth
     * logging once.
     */
    public record Loaded(EndpointPickerConfig config, Scheduler scheduler, SaturationDetector saturationDetector,
            List<String> warnings) {
    }

    /** Loads llm-d's default configuration. */
    public Loaded loadDefault() {
        return load("<default config>", DEFAULT_CONFIG);
    }

    public Loaded load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, null, "cannot read file: " + e.getMessage());
        }
        return load(file.toString(), text);
    }

    /**
     * Loads a configuration from text.
     *
     * @param source name used in messages, a file name or {@code --config-text}
     */
    public Loaded load(String source, String text) {
        YamlTree tree = YamlTree.parse(source, text);
        if (tree.root() == null || tree.root().isEmpty()) {
            return load("<default config>", DEFAULT_CONFIG);
        }
        return new Build(tree).run();
    }

    /** One load: parsing state and the instances created so far. */
    private final class Build {

        private final YamlTree tree;
        private final List<String> warnings = new ArrayList<>();
        private final Map<String, PluginSpec> specs = new LinkedHashMap<>();
        private final Map<String, String> specPaths = new HashMap<>();
        private final Map<String, Plugin> instances = new LinkedHashMap<>();
        private final Deque<String> creating = new ArrayDeque<>();

        Build(YamlTree tree) {
            this.tree = tree;
        }

        Loaded run() {
            JsonNode root = tree.root();
            if (!root.isObject()) {
                throw tree.error("", "the document must be a mapping with apiVersion, kind, plugins, ...");
            }
            rejectUnknown(root, "", TOP_LEVEL);
            String apiVersion = requiredText(root, "apiVersion");
            if (EndpointPickerConfig.DEPRECATED_API_VERSION.equals(apiVersion)) {
                warnings.add(tree.source() + ": apiVersion " + apiVersion + " is deprecated, use "
                        + EndpointPickerConfig.API_VERSION);
            } else if (!EndpointPickerConfig.API_VERSION.equals(apiVersion)) {
                throw tree.error("apiVersion", "must be " + EndpointPickerConfig.API_VERSION + " (or the deprecated "
                        + EndpointPickerConfig.DEPRECATED_API_VERSION + "), got '" + apiVersion + "'");
            }
            String kind = requiredText(root, "kind");
            if (!EndpointPickerConfig.KIND.equals(kind)) {
                throw tree.error("kind", "must be " + EndpointPickerConfig.KIND + ", got '" + kind + "'");
            }
            List<String> gates = featureGates(root);
            readPlugins(root);
            List<ProfileSpec> profiles = readProfiles(root);
            String saturationRef = pluginRef(root, "saturationDetector");
            String parserRef = pluginRef(root, "parser");

            // Instantiate every declared plugin (references between plugins resolve on demand).
            for (String name : new ArrayList<>(specs.keySet())) {
                instance(name);
            }
            profiles = applyProfileDefaults(profiles);
            ProfileHandler handler = profileHandler(profiles);
            SaturationDetector detector = saturationDetector(saturationRef);
            saturationRef = detector.typedName().name();
            Map<String, SchedulerProfile> built = buildProfiles(profiles);
            checkProfiles(handler, built.keySet());
            List<DataProducer> producers = orderedProducers();

            List<PreRequest> preRequests = new ArrayList<>();
            List<ResponseObserver> observers = new ArrayList<>();
            for (Plugin plugin : instances.values()) {
                if (plugin instanceof PreRequest p) {
                    preRequests.add(p);
                }
                if (plugin instanceof ResponseObserver o) {
                    observers.add(o);
                }
            }
            EndpointPickerConfig config = new EndpointPickerConfig(apiVersion, gates, List.copyOf(specs.values()),
                    profiles, saturationRef, parserRef, root.get("dataLayer"), root.get("flowControl"));
            Scheduler scheduler = new Scheduler(handler, built, producers, preRequests, observers, instances);
            return new Loaded(config, scheduler, detector, List.copyOf(warnings));
        }

        private List<String> featureGates(JsonNode root) {
            JsonNode node = root.get("featureGates");
            List<String> gates = new ArrayList<>();
            if (node == null || node.isNull()) {
                return gates;
            }
            if (!node.isArray()) {
                throw tree.error("featureGates", "must be a list of gate names");
            }
            for (int i = 0; i < node.size(); i++) {
                JsonNode gate = node.get(i);
                String path = "featureGates[" + i + "]";
                if (!gate.isTextual()) {
                    throw tree.error(path, "must be a string");
                }
                if (!KNOWN_GATES.contains(gate.asText())) {
                    throw tree.error(path, "unknown feature gate '" + gate.asText() + "'; known: " + KNOWN_GATES);
                }
                gates.add(gate.asText());
            }
            return gates;
        }

        private void readPlugins(JsonNode root) {
            JsonNode list = root.get("plugins");
            if (list == null || list.isNull()) {
                return;
            }
            if (!list.isArray()) {
                throw tree.error("plugins", "must be a list of {name, type, parameters}");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "plugins[" + i + "]";
                JsonNode entry = list.get(i);
                if (!entry.isObject()) {
                    throw tree.error(path, "must be a mapping with type, and optionally name and parameters");
                }
                rejectUnknown(entry, path, PLUGIN_FIELDS);
                String type = requiredText(entry, path, "type");
                PluginRegistry.Registration registration = registry.find(type).orElseThrow(
                        () -> tree.error(path + ".type", "unknown plugin type '" + type + "'" + suggestion(type)));
                if (registration.deprecated()) {
                    warnings.add(tree.source() + ":" + tree.line(path + ".type") + ": plugin type '" + type
                            + "' is deprecated, use '" + registration.replacement() + "'");
                }
                String name = optionalText(entry, path, "name");
                if (name == null) {
                    name = type;
                }
                if (specs.containsKey(name)) {
                    throw tree.error(path + (entry.has("name") ? ".name" : ".type"), "duplicate plugin name '" + name
                            + "' (first declared at line " + tree.line(specPaths.get(name)) + ")");
                }
                JsonNode parameters = entry.get("parameters");
                if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                    throw tree.error(path + ".parameters", "must be a mapping");
                }
                specs.put(name, new PluginSpec(name, type, parameters, false));
                specPaths.put(name, path);
            }
        }

        private List<ProfileSpec> readProfiles(JsonNode root) {
            JsonNode list = root.get("schedulingProfiles");
            List<ProfileSpec> profiles = new ArrayList<>();
            if (list == null || list.isNull()) {
                return profiles;
            }
            if (!list.isArray()) {
                throw tree.error("schedulingProfiles", "must be a list of {name, plugins}");
            }
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                String path = "schedulingProfiles[" + i + "]";
                JsonNode entry = list.get(i);
                if (!entry.isObject()) {
                    throw tree.error(path, "must be a mapping with name and plugins");
                }
                rejectUnknown(entry, path, PROFILE_FIELDS);
                String name = requiredText(entry, path, "name");
                if (!names.add(name)) {
                    throw tree.error(path + ".name", "duplicate profile name '" + name + "'");
                }
                JsonNode refs = entry.get("plugins");
                List<PluginRef> pluginRefs = new ArrayList<>();
                if (refs != null && !refs.isNull()) {
                    if (!refs.isArray()) {
                        throw tree.error(path + ".plugins", "must be a list of {pluginRef, weight}");
                    }
                    for (int j = 0; j < refs.size(); j++) {
                        pluginRefs.add(pluginRefOf(refs.get(j), path + ".plugins[" + j + "]"));
                    }
                }
                profiles.add(new ProfileSpec(name, pluginRefs));
            }
            return profiles;
        }

        private PluginRef pluginRefOf(JsonNode ref, String path) {
            if (!ref.isObject()) {
                throw tree.error(path, "must be a mapping with pluginRef and optional weight");
            }
            rejectUnknown(ref, path, REF_FIELDS);
            String name = requiredText(ref, path, "pluginRef");
            if (!specs.containsKey(name)) {
                throw tree.error(path + ".pluginRef", "no plugin named '" + name + "'; declared: " + specs.keySet());
            }
            JsonNode weight = ref.get("weight");
            double w = 1.0;
            if (weight != null && !weight.isNull()) {
                if (!weight.isNumber()) {
                    throw tree.error(path + ".weight", "must be a number, got '" + weight.asText() + "'");
                }
                w = weight.asDouble();
                if (!(w >= 0) || Double.isInfinite(w)) {
                    throw tree.error(path + ".weight", "must be a finite number >= 0, got " + weight.asText());
                }
            }
            return new PluginRef(name, w);
        }

        private String pluginRef(JsonNode root, String section) {
            JsonNode node = root.get(section);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw tree.error(section, "must be a mapping with pluginRef");
            }
            rejectUnknown(node, section, Set.of("pluginRef"));
            String ref = requiredText(node, section, "pluginRef");
            if (!specs.containsKey(ref)) {
                throw tree.error(section + ".pluginRef", "no plugin named '" + ref + "'");
            }
            return ref;
        }

        /** Creates (once) the plugin declared or defaulted under {@code name}. */
        private Plugin instance(String name) {
            Plugin existing = instances.get(name);
            if (existing != null) {
                return existing;
            }
            PluginSpec spec = specs.get(name);
            if (spec == null) {
                return null;
            }
            if (creating.contains(name)) {
                throw tree.error(specPaths.get(name), "plugins reference each other in a cycle: " + creating);
            }
            creating.push(name);
            String path = specPaths.getOrDefault(name, "plugins");
            Plugin plugin;
            try {
                PluginHandle handle = other -> Optional.ofNullable(instance(other));
                plugin = registry.find(spec.type()).orElseThrow().factory().create(name, spec.parameters(), handle);
            } catch (PluginConfigException e) {
                String field = e.field() == null ? path + ".parameters" : path + ".parameters." + e.field();
                throw tree.error(field, "plugin '" + name + "' (" + spec.type() + "): " + e.getMessage());
            } catch (ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw tree.error(path, "plugin '" + name + "' (" + spec.type() + ") failed to start: " + e);
            } finally {
                creating.pop();
            }
            instances.put(name, plugin);
            return plugin;
        }

        private void addDefaulted(String type) {
            PluginSpec spec = new PluginSpec(type, type, null, true);
            specs.put(type, spec);
            instance(type);
        }

        /** Defaulting rules for profiles and pickers (reference 3.3). */
        private List<ProfileSpec> applyProfileDefaults(List<ProfileSpec> declared) {
            List<ProfileSpec> profiles = new ArrayList<>(declared);
            if (profiles.isEmpty()) {
                List<PluginRef> all = new ArrayList<>();
                for (Map.Entry<String, Plugin> e : instances.entrySet()) {
                    Plugin p = e.getValue();
                    if (p instanceof Filter || p instanceof Scorer || p instanceof Picker) {
                        all.add(new PluginRef(e.getKey(), 1.0));
                    }
                }
                profiles.add(new ProfileSpec(DEFAULT_PROFILE, all));
            }
            String firstPicker = null;
            for (Map.Entry<String, Plugin> e : instances.entrySet()) {
                if (e.getValue() instanceof Picker) {
                    firstPicker = e.getKey();
                    break;
                }
            }
            if (firstPicker == null) {
                String existing = specs.containsKey(MAX_SCORE_PICKER) ? null : MAX_SCORE_PICKER;
                if (existing == null) {
                    throw tree.error("plugins", "a plugin named '" + MAX_SCORE_PICKER + "' exists but is not a picker");
                }
                addDefaulted(MAX_SCORE_PICKER);
                firstPicker = MAX_SCORE_PICKER;
            }
            for (int i = 0; i < profiles.size(); i++) {
                ProfileSpec profile = profiles.get(i);
                boolean hasPicker = false;
                for (PluginRef ref : profile.plugins()) {
                    hasPicker |= instances.get(ref.pluginRef()) instanceof Picker;
                }
                if (!hasPicker) {
                    List<PluginRef> refs = new ArrayList<>(profile.plugins());
                    refs.add(new PluginRef(firstPicker, 1.0));
                    profiles.set(i, new ProfileSpec(profile.name(), refs));
                }
            }
            return profiles;
        }

        /** The detector named by {@code saturationDetector}, or the injected default (after profile defaulting, so
         * that the default detector does not land in a defaulted profile). */
        private SaturationDetector saturationDetector(String ref) {
            if (ref == null) {
                if (!specs.containsKey(UTILIZATION_DETECTOR)) {
                    addDefaulted(UTILIZATION_DETECTOR);
                }
                ref = UTILIZATION_DETECTOR;
            }
            Plugin plugin = instances.get(ref);
            if (!(plugin instanceof SaturationDetector detector)) {
                throw tree.error(specPaths.containsKey(ref) ? specPaths.get(ref) : "saturationDetector.pluginRef",
                        "plugin '" + ref + "' (" + plugin.typedName().type() + ") is not a saturation detector");
            }
            return detector;
        }

        private ProfileHandler profileHandler(List<ProfileSpec> profiles) {
            List<String> handlers = new ArrayList<>();
            for (Map.Entry<String, Plugin> e : instances.entrySet()) {
                if (e.getValue() instanceof ProfileHandler) {
                    handlers.add(e.getKey());
                }
            }
            if (handlers.size() > 1) {
                throw tree.error(specPaths.get(handlers.get(1)), "only one profile handler is allowed, found "
                        + handlers);
            }
            if (handlers.isEmpty()) {
                if (profiles.size() > 1) {
                    throw tree.error("schedulingProfiles", profiles.size()
                            + " profiles need a profile handler plugin (for example disagg-profile-handler)");
                }
                if (specs.containsKey(SINGLE_PROFILE_HANDLER)) {
                    throw tree.error(specPaths.get(SINGLE_PROFILE_HANDLER), "plugin named '" + SINGLE_PROFILE_HANDLER
                            + "' is not a profile handler");
                }
                addDefaulted(SINGLE_PROFILE_HANDLER);
                return (ProfileHandler) instances.get(SINGLE_PROFILE_HANDLER);
            }
            ProfileHandler handler = (ProfileHandler) instances.get(handlers.get(0));
            if (SINGLE_PROFILE_HANDLER.equals(handler.typedName().type()) && profiles.size() > 1) {
                throw tree.error(specPaths.get(handlers.get(0)), SINGLE_PROFILE_HANDLER + " runs exactly one profile, but "
                        + profiles.size() + " are configured");
            }
            return handler;
        }

        private void checkProfiles(ProfileHandler handler, Set<String> profileNames) {
            String name = handler.typedName().name();
            try {
                handler.checkProfiles(Collections.unmodifiableSet(profileNames));
            } catch (PluginConfigException e) {
                String path = specPaths.getOrDefault(name, "schedulingProfiles");
                String field = e.field() == null ? path : path + ".parameters." + e.field();
                throw tree.error(field, "plugin '" + name + "' (" + handler.typedName().type() + "): "
                        + e.getMessage());
            }
        }

        private Map<String, SchedulerProfile> buildProfiles(List<ProfileSpec> profiles) {
            Map<String, SchedulerProfile> built = new LinkedHashMap<>();
            for (int i = 0; i < profiles.size(); i++) {
                ProfileSpec spec = profiles.get(i);
                String path = "schedulingProfiles[" + i + "]";
                List<Filter> filters = new ArrayList<>();
                List<WeightedScorer> scorers = new ArrayList<>();
                Picker picker = null;
                List<PluginRef> refs = spec.plugins();
                for (int j = 0; j < refs.size(); j++) {
                    PluginRef ref = refs.get(j);
                    String refPath = path + ".plugins[" + j + "].pluginRef";
                    Plugin plugin = instances.get(ref.pluginRef());
                    boolean used = false;
                    if (plugin instanceof Filter f) {
                        filters.add(f);
                        used = true;
                    }
                    if (plugin instanceof Scorer s) {
                        scorers.add(new WeightedScorer(s, ref.weight()));
                        used = true;
                    }
                    if (plugin instanceof Picker p) {
                        if (picker != null) {
                            throw tree.error(refPath, "profile '" + spec.name() + "' has more than one picker ("
                                    + picker.typedName().name() + ", " + ref.pluginRef() + ")");
                        }
                        picker = p;
                        used = true;
                    }
                    if (!used) {
                        throw tree.error(refPath, "plugin '" + ref.pluginRef() + "' ("
                                + plugin.typedName().type() + ") is not a filter, scorer or picker and cannot be used in"
                                + " a profile");
                    }
                }
                built.put(spec.name(), new SchedulerProfile(spec.name(), filters, scorers, picker));
            }
            return built;
        }

        /**
         * Data producers in dependency order; a consumed key without producer gets its default producer, as
         * llm-d's data graph does.
         */
        private List<DataProducer> orderedProducers() {
            DataDependencyGraph.Missing missing;
            while ((missing = DataDependencyGraph.firstMissing(instances.values())) != null) {
                String consumer = missing.consumer().typedName().name();
                String type = missing.key().defaultProducerType();
                if (type == null || registry.find(type).isEmpty()) {
                    throw tree.error(specPaths.getOrDefault(consumer, "plugins"), "plugin '" + consumer + "' needs "
                            + missing.key() + " but no plugin produces it");
                }
                if (specs.containsKey(type)) {
                    throw tree.error(specPaths.get(type), "plugin named '" + type + "' does not produce "
                            + missing.key());
                }
                addDefaulted(type);
            }
            try {
                return DataDependencyGraph.order(instances.values());
            } catch (IllegalStateException e) {
                throw tree.error("plugins", e.getMessage());
            }
        }

        private void rejectUnknown(JsonNode object, String path, Set<String> known) {
            for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
                String field = it.next();
                if (!known.contains(field)) {
                    String fieldPath = path.isEmpty() ? field : path + "." + field;
                    throw tree.error(fieldPath, "unknown field '" + field + "'; known fields: " + new java.util.TreeSet<>(
                            known));
                }
            }
        }

        private String requiredText(JsonNode object, String field) {
            return requiredText(object, "", field);
        }

        private String requiredText(JsonNode object, String path, String field) {
            String fieldPath = path.isEmpty() ? field : path + "." + field;
            JsonNode value = object.get(field);
            if (value == null || value.isNull()) {
                throw new ConfigException(tree.source(), tree.line(path), fieldPath, "is required");
            }
            if (!value.isTextual() || value.asText().isBlank()) {
                throw tree.error(fieldPath, "must be a non-empty string");
            }
            return value.asText();
        }

        private String optionalText(JsonNode object, String path, String field) {
            JsonNode value = object.get(field);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual() || value.asText().isBlank()) {
                throw tree.error(path + "." + field, "must be a non-empty string");
            }
            return value.asText();
        }

        private String suggestion(String type) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String known : registry.types()) {
                int d = distance(type, known);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = known;
                }
            }
            return best != null && bestDistance <= Math.max(2, type.length() / 4) ? "; did you mean '" + best + "'?"
                    : "";
        }
    }

    /** Levenshtein distance, for "did you mean" hints. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** An empty parameters object, for plugins created without configuration. */
    public static JsonNode noParameters() {
        return JsonNodeFactory.instance.objectNode();
    }
}
