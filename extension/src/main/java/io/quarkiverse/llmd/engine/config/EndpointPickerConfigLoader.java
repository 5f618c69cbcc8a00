package io.quarkiverse.llmd.engine.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.framework.datalayer.CrossReplicaSyncer;
import io.quarkiverse.llmd.engine.framework.datalayer.DataExtractor;
import io.quarkiverse.llmd.engine.framework.datalayer.DataSource;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointDiscovery;
import io.quarkiverse.llmd.engine.framework.datalayer.PeerDiscovery;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.Stability;
import io.quarkiverse.llmd.engine.framework.requesthandling.RequestParser;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseObserver;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileHandler;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexFactory;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * Reads an EndpointPickerConfig (YAML or JSON) strictly, applies llm-d's defaulting rules and builds the
 * {@link Scheduler}, plus the typed {@code flowControl}, {@code requestHandler} and {@code dataLayer} sections
 * (llm-d v0.10) for the runtime to apply. Every problem is a {@link ConfigException} naming the source, the line and
 * the field. Plugin types of stability Alpha are refused unless {@link Options#allowExperimentalPlugins()}.
 */
public final class EndpointPickerConfigLoader {

    /** Plugin types the defaulting rules add. */
    static final String SINGLE_PROFILE_HANDLER = "single-profile-handler";
    static final String MAX_SCORE_PICKER = "max-score-picker";
    static final String DEFAULT_PROFILE = "default";
    static final String UTILIZATION_DETECTOR = "utilization-detector";
    static final String OPENAI_PARSER = "openai-parser";
    static final String METRICS_DATA_SOURCE = "metrics-data-source";
    static final String CORE_METRICS_EXTRACTOR = "core-metrics-extractor";
    /** The feature gate that switches flow control on. */
    public static final String FLOW_CONTROL_GATE = "flowControl";
    static final String HA_GATE = "haPopulateNonLeaderDatastore";

    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "featureGates", "plugins",
            "schedulingProfiles", "saturationDetector", "dataLayer", "flowControl", "parser", "requestHandler");
    private static final Set<String> PLUGIN_FIELDS = Set.of("name", "type", "parameters");
    private static final Set<String> PROFILE_FIELDS = Set.of("name", "plugins");
    private static final Set<String> REF_FIELDS = Set.of("pluginRef", "weight");
    private static final Set<String> DATA_LAYER_FIELDS = Set.of("injectDefaults", "sources", "discovery",
            "peerDiscovery", "crossReplicaSyncerPluginRef", "crossReplicaSyncInterval");
    private static final Set<String> SOURCE_FIELDS = Set.of("pluginRef", "extractors");
    /** Gates llm-d v0.10 registers. */
    private static final Set<String> KNOWN_GATES = Set.of(FLOW_CONTROL_GATE, HA_GATE);
    /** Gates llm-d removed (#1728, #1418); still accepted so that older configurations load. */
    private static final Map<String, String> REMOVED_GATES = Map.of(
            "dataLayer", "the data layer is always on",
            "enableLegacyMetrics", "the legacy metrics path is gone; configure core-metrics-extractor engineConfigs");

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
    private final Options options;

    /** A loader with {@link Options#DEFAULTS}: experimental (Alpha) plugins are refused. */
    public EndpointPickerConfigLoader(PluginRegistry registry) {
        this(registry, Options.DEFAULTS);
    }

    public EndpointPickerConfigLoader(PluginRegistry registry, Options options) {
        this.registry = registry;
        this.options = options;
    }

    /**
     * What the operator allows beyond the configuration file, as llm-d's command-line flags.
     *
     * @param allowExperimentalPlugins accept plugins of stability {@link Stability#ALPHA} (llm-d's
     *        {@code --allow-experimental-plugins})
     * @param kvBlockIndexes builds the indexes of precise prefix-cache plugins; the runtime supplies one that can
     *        build shared (Redis) indexes for the pool being loaded
     */
    public record Options(boolean allowExperimentalPlugins, KvBlockIndexFactory kvBlockIndexes) {

        /** Experimental plugins refused, in-memory indexes only, as llm-d by default. */
        public static final Options DEFAULTS = new Options(false);

        public Options {
            kvBlockIndexes = kvBlockIndexes == null ? KvBlockIndexFactory.IN_MEMORY : kvBlockIndexes;
        }

        /** In-memory indexes only. */
        public Options(boolean allowExperimentalPlugins) {
            this(allowExperimentalPlugins, KvBlockIndexFactory.IN_MEMORY);
        }
    }

    /**
     * The result of loading, every section validated and typed so that the runtime applies it.
     *
     * @param config the effective configuration (after defaulting)
     * @param scheduler the scheduler built from the profiles
     * @param saturationDetector the detector admission and flow control use ({@code flowControl.saturationDetector},
     *        the deprecated top-level {@code saturationDetector}, else an injected {@code utilization-detector})
     * @param flowControl the {@code flowControl} section with llm-d v0.10's defaults; it applies when the
     *        {@code flowControl} gate (or the runtime's override) switches flow control on
     * @param requestHandler the request parsers, in order
     * @param dataLayer the data sources, endpoint discovery and replica settings
     * @param warnings deprecations and no-op settings, worth logging once
     */
    public record Loaded(EndpointPickerConfig config, Scheduler scheduler, SaturationDetector saturationDetector,
            FlowControlConfig flowControl, RequestHandlerConfig requestHandler, DataLayerConfig dataLayer,
            List<String> warnings) {

        public Loaded {
            warnings = List.copyOf(warnings);
        }
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
            String saturationRef = saturationDetectorRef(root);
            List<String> parserRefs = parserRefs(root);

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
            FlowControlConfig flowControl = flowControl(root, gates);
            RequestHandlerConfig requestHandler = requestHandler(parserRefs);
            DataLayerConfig dataLayer = dataLayer(root);
            warnUnused(requestHandler, dataLayer);

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
            List<String> parserNames = new ArrayList<>();
            requestHandler.parsers().forEach(p -> parserNames.add(p.typedName().name()));
            EndpointPickerConfig config = new EndpointPickerConfig(apiVersion, gates, List.copyOf(specs.values()),
                    profiles, saturationRef, parserNames, root.get("dataLayer"), root.get("flowControl"));
            Scheduler scheduler = new Scheduler(handler, built, producers, preRequests, observers, instances);
            return new Loaded(config, scheduler, detector, flowControl, requestHandler, dataLayer, warnings);
        }

        /**
         * {@code flowControl.saturationDetector.pluginRef}, or the deprecated top-level {@code saturationDetector}
         * (with a warning), or null for the default detector. Setting both is an error: llm-d silently prefers the
         * new field, which hides a stale leftover.
         */
        private String saturationDetectorRef(JsonNode root) {
            String deprecated = pluginRef(root, "saturationDetector");
            JsonNode fc = root.get("flowControl");
            JsonNode moved = fc != null && fc.isObject() ? fc.get("saturationDetector") : null;
            boolean movedSet = moved != null && !moved.isNull();
            if (deprecated != null && movedSet) {
                throw tree.error("saturationDetector", "set both here and in flowControl.saturationDetector (line "
                        + tree.line("flowControl.saturationDetector") + "); keep only flowControl.saturationDetector");
            }
            if (deprecated != null) {
                warnings.add(tree.source() + ":" + tree.line("saturationDetector") + ": top-level saturationDetector is "
                        + "deprecated, move it to flowControl.saturationDetector");
                return deprecated;
            }
            if (movedSet) {
                return pluginRef(fc, "flowControl.saturationDetector", "saturationDetector");
            }
            return null;
        }

        /**
         * {@code requestHandler.parsers[].pluginRef}, or the deprecated top-level {@code parser} (with a warning), or
         * empty for the default parser. Setting both is an error, as for the saturation detector.
         */
        private List<String> parserRefs(JsonNode root) {
            String deprecated = pluginRef(root, "parser");
            JsonNode handler = root.get("requestHandler");
            List<String> refs = new ArrayList<>();
            if (handler != null && !handler.isNull()) {
                if (!handler.isObject()) {
                    throw tree.error("requestHandler", "must be a mapping with parsers");
                }
                rejectUnknown(handler, "requestHandler", Set.of("parsers"));
                JsonNode list = handler.get("parsers");
                if (list != null && !list.isNull()) {
                    if (!list.isArray()) {
                        throw tree.error("requestHandler.parsers", "must be a list of {pluginRef}");
                    }
                    for (int i = 0; i < list.size(); i++) {
                        String path = "requestHandler.parsers[" + i + "]";
                        JsonNode entry = list.get(i);
                        if (!entry.isObject()) {
                            throw tree.error(path, "must be a mapping with pluginRef");
                        }
                        rejectUnknown(entry, path, Set.of("pluginRef"));
                        String ref = knownRef(entry, path);
                        if (refs.contains(ref)) {
                            throw tree.error(path + ".pluginRef", "parser '" + ref + "' is listed twice");
                        }
                        refs.add(ref);
                    }
                }
            }
            if (deprecated != null && !refs.isEmpty()) {
                throw tree.error("parser", "set both here and in requestHandler.parsers (line "
                        + tree.line("requestHandler.parsers") + "); keep only requestHandler.parsers");
            }
            if (deprecated != null) {
                warnings.add(tree.source() + ":" + tree.line("parser") + ": top-level parser is deprecated, move it to "
                        + "requestHandler.parsers");
                refs.add(deprecated);
            }
            return refs;
        }

        private RequestHandlerConfig requestHandler(List<String> refs) {
            List<RequestParser> parsers = new ArrayList<>();
            if (refs.isEmpty()) {
                parsers.add(defaulted(OPENAI_PARSER, RequestParser.class, "a request parser"));
                return new RequestHandlerConfig(parsers);
            }
            boolean deprecated = tree.root().has("parser") && !tree.root().get("parser").isNull();
            for (int i = 0; i < refs.size(); i++) {
                String path = deprecated ? "parser.pluginRef" : "requestHandler.parsers[" + i + "].pluginRef";
                parsers.add(ofKind(refs.get(i), path, RequestParser.class, "a request parser"));
            }
            return new RequestHandlerConfig(parsers);
        }

        /** The flow-control section, validated even with the gate off so that a typo fails at startup. */
        private FlowControlConfig flowControl(JsonNode root, List<String> gates) {
            JsonNode section = root.get("flowControl");
            FlowControlConfig config;
            try {
                config = FlowControlConfig.parse(tree.source(), section, instances::get);
            } catch (ConfigException e) {
                throw tree.error(e.field(), e.problem());
            }
            if (section != null && section.isObject() && !gates.contains(FLOW_CONTROL_GATE)) {
                for (Iterator<String> it = section.fieldNames(); it.hasNext();) {
                    if (!it.next().equals("saturationDetector")) {
                        warnings.add(tree.source() + ":" + tree.line("flowControl") + ": the flowControl section is "
                                + "set but the flowControl feature gate is off; its settings other than "
                                + "saturationDetector apply only when flow control is switched on");
                        break;
                    }
                }
            }
            return config;
        }

        private DataLayerConfig dataLayer(JsonNode root) {
            String p = "dataLayer";
            JsonNode node = root.get(p);
            if (node == null || node.isNull()) {
                node = JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw tree.error(p, "must be a mapping");
            }
            rejectUnknown(node, p, DATA_LAYER_FIELDS);
            boolean injectDefaults = true;
            JsonNode inject = node.get("injectDefaults");
            if (inject != null && !inject.isNull()) {
                if (!inject.isBoolean()) {
                    throw tree.error(p + ".injectDefaults", "must be true or false, got " + inject);
                }
                injectDefaults = inject.booleanValue();
            }
            List<DataLayerConfig.Source> sources = new ArrayList<>();
            Set<String> sourceNames = new HashSet<>();
            boolean metricsSource = false;
            JsonNode list = node.get("sources");
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw tree.error(p + ".sources", "must be a list of {pluginRef, extractors}");
                }
                for (int i = 0; i < list.size(); i++) {
                    String path = p + ".sources[" + i + "]";
                    JsonNode entry = list.get(i);
                    if (!entry.isObject()) {
                        throw tree.error(path, "must be a mapping with pluginRef and extractors");
                    }
                    rejectUnknown(entry, path, SOURCE_FIELDS);
                    String name = knownRef(entry, path);
                    DataSource source = ofKind(name, path + ".pluginRef", DataSource.class, "a data source");
                    if (!sourceNames.add(name)) {
                        throw tree.error(path + ".pluginRef", "source '" + name + "' is listed twice");
                    }
                    metricsSource |= METRICS_DATA_SOURCE.equals(source.typedName().type());
                    sources.add(new DataLayerConfig.Source(source, extractors(entry, path, source)));
                }
            }
            if (injectDefaults && !metricsSource) {
                // llm-d's ensureDataLayer: reuse plugins declared under the default names, else add them
                DataSource source = defaulted(METRICS_DATA_SOURCE, DataSource.class, "a data source");
                DataExtractor extractor = defaulted(CORE_METRICS_EXTRACTOR, DataExtractor.class, "a data extractor");
                if (!sourceNames.add(source.typedName().name())) {
                    throw tree.error(p + ".sources", "source '" + source.typedName().name() + "' is listed twice");
                }
                sources.add(new DataLayerConfig.Source(source, List.of(extractor)));
            }
            EndpointDiscovery discovery = sectionRef(node, p + ".discovery", EndpointDiscovery.class,
                    "an endpoint discovery plugin");
            PeerDiscovery peers = sectionRef(node, p + ".peerDiscovery", PeerDiscovery.class,
                    "a peer discovery plugin");
            CrossReplicaSyncer syncer = null;
            JsonNode syncerRef = node.get("crossReplicaSyncerPluginRef");
            if (syncerRef != null && !syncerRef.isNull()) {
                String path = p + ".crossReplicaSyncerPluginRef";
                if (!syncerRef.isTextual() || syncerRef.textValue().isBlank()) {
                    throw tree.error(path, "must be the name of a plugin, got " + syncerRef);
                }
                String name = syncerRef.textValue();
                if (!specPaths.containsKey(name)) {
                    throw tree.error(path, "no plugin named '" + name + "'; declared: " + declaredNames());
                }
                syncer = ofKind(name, path, CrossReplicaSyncer.class, "a cross-replica syncer");
            }
            Duration syncInterval = null;
            JsonNode interval = node.get("crossReplicaSyncInterval");
            if (interval != null && !interval.isNull()) {
                String path = p + ".crossReplicaSyncInterval";
                if (!interval.isTextual()) {
                    throw tree.error(path, "must be a duration such as \"1s\", got " + interval);
                }
                try {
                    syncInterval = GoDuration.parseNonNegative("crossReplicaSyncInterval", interval.textValue());
                } catch (PluginConfigException e) {
                    throw tree.error(path, e.getMessage());
                }
                if (syncInterval.isZero()) {
                    throw tree.error(path, "must be positive, got '" + interval.textValue() + "'");
                }
                if (syncer == null) {
                    throw tree.error(path, "has no effect without crossReplicaSyncerPluginRef");
                }
            }
            return new DataLayerConfig(injectDefaults, sources, discovery, peers, syncer, syncInterval);
        }

        private List<DataExtractor> extractors(JsonNode entry, String path, DataSource source) {
            JsonNode list = entry.get("extractors");
            if (list == null || list.isNull()) {
                throw new ConfigException(tree.source(), tree.line(path), path + ".extractors",
                        "is required: the extractors that read what source '" + source.typedName().name()
                                + "' collects");
            }
            if (!list.isArray() || list.isEmpty()) {
                throw tree.error(path + ".extractors", "must be a non-empty list of {pluginRef}");
            }
            List<DataExtractor> extractors = new ArrayList<>();
            for (int j = 0; j < list.size(); j++) {
                String ep = path + ".extractors[" + j + "]";
                JsonNode e = list.get(j);
                if (!e.isObject()) {
                    throw tree.error(ep, "must be a mapping with pluginRef");
                }
                rejectUnknown(e, ep, Set.of("pluginRef"));
                String name = knownRef(e, ep);
                DataExtractor extractor = ofKind(name, ep + ".pluginRef", DataExtractor.class, "a data extractor");
                if (!extractor.reads().equals(source.produces())) {
                    throw tree.error(ep + ".pluginRef", "extractor '" + name + "' (" + extractor.typedName().type()
                            + ") reads " + extractor.reads() + " but source '" + source.typedName().name() + "' ("
                            + source.typedName().type() + ") produces " + source.produces());
                }
                if (extractors.contains(extractor)) {
                    throw tree.error(ep + ".pluginRef", "extractor '" + name + "' is listed twice");
                }
                extractors.add(extractor);
            }
            return extractors;
        }

        /** A {@code {pluginRef}} subsection resolved to a plugin of the given kind, or null when absent. */
        private <T> T sectionRef(JsonNode parent, String path, Class<T> kind, String what) {
            String field = path.substring(path.lastIndexOf('.') + 1);
            JsonNode node = parent.get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw tree.error(path, "must be a mapping with pluginRef");
            }
            rejectUnknown(node, path, Set.of("pluginRef"));
            return ofKind(knownRef(node, path), path + ".pluginRef", kind, what);
        }

        /** The required {@code pluginRef} of {@code object}, which must name a declared plugin. */
        private String knownRef(JsonNode object, String path) {
            String ref = requiredText(object, path, "pluginRef");
            if (!specPaths.containsKey(ref)) {
                throw tree.error(path + ".pluginRef", "no plugin named '" + ref + "'; declared: " + declaredNames());
            }
            return ref;
        }

        /** Names of the plugins the file declares, in file order (not the ones defaulting added). */
        private List<String> declaredNames() {
            List<String> names = new ArrayList<>();
            for (PluginSpec spec : specs.values()) {
                if (!spec.defaulted()) {
                    names.add(spec.name());
                }
            }
            return names;
        }

        private <T> T ofKind(String name, String path, Class<T> kind, String what) {
            Plugin plugin = instances.get(name);
            if (!kind.isInstance(plugin)) {
                throw tree.error(path, "plugin '" + name + "' (" + plugin.typedName().type() + ") is not " + what);
            }
            return kind.cast(plugin);
        }

        /** The plugin declared under a default type's name (which must be of the right kind), else a new default. */
        private <T> T defaulted(String type, Class<T> kind, String what) {
            if (!specs.containsKey(type)) {
                addDefaulted(type);
            }
            Plugin plugin = instances.get(type);
            if (!kind.isInstance(plugin)) {
                throw tree.error(specPaths.getOrDefault(type, "plugins"), "plugin named '" + type + "' ("
                        + plugin.typedName().type() + ") is not " + what + ", but the default " + what.substring(
                                what.indexOf(' ') + 1) + " needs that name");
            }
            return kind.cast(plugin);
        }

        /** Declared plugins that only act through a section which does not name them would silently do nothing. */
        private void warnUnused(RequestHandlerConfig requestHandler, DataLayerConfig dataLayer) {
            Set<Plugin> used = new HashSet<>(requestHandler.parsers());
            for (DataLayerConfig.Source source : dataLayer.sources()) {
                used.add(source.source());
                used.addAll(source.extractors());
            }
            if (dataLayer.discovery() != null) {
                used.add(dataLayer.discovery());
            }
            if (dataLayer.peerDiscovery() != null) {
                used.add(dataLayer.peerDiscovery());
            }
            if (dataLayer.crossReplicaSyncer() != null) {
                used.add(dataLayer.crossReplicaSyncer());
            }
            for (Map.Entry<String, Plugin> e : instances.entrySet()) {
                Plugin plugin = e.getValue();
                boolean sectionOnly = plugin instanceof RequestParser || plugin instanceof DataSource
                        || plugin instanceof DataExtractor || plugin instanceof EndpointDiscovery
                        || plugin instanceof PeerDiscovery || plugin instanceof CrossReplicaSyncer;
                if (sectionOnly && !used.contains(plugin) && specPaths.containsKey(e.getKey())) {
                    warnings.add(tree.source() + ":" + tree.line(specPaths.get(e.getKey())) + ": plugin '"
                            + e.getKey() + "' (" + plugin.typedName().type() + ") is declared but no section "
                            + "references it, so it does nothing");
                }
            }
        }

        /**
         * The gates the configuration enables. Entries are {@code name}, {@code name=true} or {@code name=false}
         * (Go's boolean spellings); a gate listed twice, an unknown gate or a bad value is an error; removed gates
         * are accepted with a warning that they do nothing.
         */
        private List<String> featureGates(JsonNode root) {
            JsonNode node = root.get("featureGates");
            List<String> gates = new ArrayList<>();
            if (node == null || node.isNull()) {
                return gates;
            }
            if (!node.isArray()) {
                throw tree.error("featureGates", "must be a list of gate names");
            }
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode gate = node.get(i);
                String path = "featureGates[" + i + "]";
                if (!gate.isTextual()) {
                    throw tree.error(path, "must be a string such as flowControl or flowControl=false");
                }
                String text = gate.asText();
                int eq = text.indexOf('=');
                String name = eq < 0 ? text : text.substring(0, eq);
                boolean enabled = true;
                if (eq >= 0) {
                    String value = text.substring(eq + 1).trim().toLowerCase(java.util.Locale.ROOT);
                    enabled = switch (value) {
                        case "true", "t", "1" -> true;
                        case "false", "f", "0" -> false;
                        default -> throw tree.error(path, "'" + text.substring(eq + 1) + "' is not a valid value for"
                                + " feature gate " + name + "; use " + name + "=true or " + name + "=false");
                    };
                }
                Integer first = seen.putIfAbsent(name, i);
                if (first != null) {
                    throw tree.error(path, "feature gate " + name + " is listed twice (first at line "
                            + tree.line("featureGates[" + first + "]") + ")");
                }
                String removed = REMOVED_GATES.get(name);
                if (removed != null) {
                    warnings.add(tree.source() + ":" + tree.line(path) + ": feature gate " + name + " was removed "
                            + "from llm-d and has no effect: " + removed);
                    continue;
                }
                if (!KNOWN_GATES.contains(name)) {
                    throw tree.error(path, "unknown feature gate '" + name + "'; known: " + new java.util.TreeSet<>(
                            KNOWN_GATES) + " (removed, accepted without effect: " + new java.util.TreeSet<>(
                                    REMOVED_GATES.keySet()) + ")");
                }
                if (HA_GATE.equals(name) && !enabled) {
                    // llm-d keeps non-leader replicas' datastores empty with it off; every replica here routes
                    throw tree.error(path, HA_GATE + "=false is not supported: this gateway has no leader "
                            + "election and every replica keeps its endpoints and routes");
                }
                if (enabled && !HA_GATE.equals(name)) {
                    gates.add(name);
                }
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
                String name = optionalText(entry, path, "name");
                if (name == null) {
                    name = type;
                }
                if (registration.stability() == Stability.ALPHA && !options.allowExperimentalPlugins()) {
                    throw tree.error(path + ".type", "plugin '" + name + "' has type '" + type + "' of stability "
                            + "Alpha (experimental); allow experimental plugins to use it (allowExperimentalPlugins, "
                            + "as llm-d's --allow-experimental-plugins=true)");
                }
                if (registration.deprecated()) {
                    warnings.add(tree.source() + ":" + tree.line(path + ".type") + ": plugin type '" + type
                            + "' is deprecated" + (registration.deprecatedIn() == null ? ""
                                    : " since llm-d " + registration.deprecatedIn())
                            + (registration.removalIn() == null ? "" : " (removal planned in "
                                    + registration.removalIn() + ")")
                            + ", use '" + registration.replacement() + "'");
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
            return pluginRef(root, section, section);
        }

        /** The {@code pluginRef} of the {@code field} subsection of {@code parent} found at {@code path}. */
        private String pluginRef(JsonNode parent, String path, String field) {
            JsonNode node = parent.get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw tree.error(path, "must be a mapping with pluginRef");
            }
            rejectUnknown(node, path, Set.of("pluginRef"));
            String ref = requiredText(node, path, "pluginRef");
            if (!specs.containsKey(ref)) {
                throw tree.error(path + ".pluginRef", "no plugin named '" + ref + "'");
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
                PluginHandle handle = new PluginHandle() {
                    @Override
                    public Optional<Plugin> plugin(String other) {
                        return Optional.ofNullable(instance(other));
                    }

                    @Override
                    public KvBlockIndexFactory kvBlockIndexes() {
                        return options.kvBlockIndexes();
                    }
                };
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
                String refPath = tree.root().has("saturationDetector") ? "saturationDetector.pluginRef"
                        : tree.root().path("flowControl").has("saturationDetector")
                                ? "flowControl.saturationDetector.pluginRef"
                                : specPaths.getOrDefault(ref, "plugins");
                throw tree.error(refPath, "plugin '" + ref + "' (" + plugin.typedName().type()
                        + ") is not a saturation detector");
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
