package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;

/**
 * Turns a parsed scrape plus the pod's labels into {@link EndpointMetrics}, as llm-d's {@code core-metrics-extractor}
 * does (reference 4).
 * <p>
 * The engine mapping is chosen by the pod label {@code llm-d.ai/engine-type} (configurable), then the legacy
 * {@code inference.networking.k8s.io/engine-type}, else the default engine ({@code vllm}); an unknown engine type
 * also falls back to the default mapping. Custom engine configs replace built-ins of the same name.
 * <p>
 * When a metric has several matching series (several {@code model_name} or data-parallel {@code engine} labels) —
 * where llm-d takes one arbitrary series — this extractor aggregates: waiting and running requests are
 * <b>summed</b> (they are all queued on this endpoint), KV usage takes the <b>maximum</b> (the most loaded engine is
 * what saturates first; a mean would hide a full engine behind an idle one), block size takes the maximum and block
 * count the <b>sum</b> (each data-parallel engine owns its KV cache). NaN samples are ignored. Counts are truncated
 * and clamped to [0, Integer.MAX_VALUE]; usage is clamped to [0, 1].
 * <p>
 * LoRA info: the series with the greatest value wins (vLLM sets the value to the time the series was written), its
 * {@code running_lora_adapters} and {@code waiting_lora_adapters} labels are comma lists and {@code max_lora} an
 * integer. A missing LoRA metric is not a problem (vLLM writes it only with LoRA enabled).
 * <p>
 * A field whose metric is missing keeps its previous value and is reported in {@link MetricsExtraction#problems()};
 * the update time advances only when at least one field was read, so a pod serving an empty page goes stale.
 * Immutable and thread-safe.
 */
public final class MetricsExtractor {

    /** Pod label naming the engine type. */
    public static final String ENGINE_LABEL = "llm-d.ai/engine-type";
    /** Legacy GAIE pod label naming the engine type. */
    public static final String LEGACY_ENGINE_LABEL = "inference.networking.k8s.io/engine-type";
    /** Engine assumed for unlabeled pods. */
    public static final String DEFAULT_ENGINE = "vllm";

    private static final String RUNNING_ADAPTERS = "running_lora_adapters";
    private static final String WAITING_ADAPTERS = "waiting_lora_adapters";
    private static final String MAX_LORA = "max_lora";

    private final String engineLabelKey;
    private final EngineMetricsMapping defaultMapping;
    private final Map<String, EngineMetricsMapping> mappings;
    private final Map<String, PrometheusTextParser> parsers;

    private MetricsExtractor(String engineLabelKey, String defaultEngine, List<EngineMetricsMapping> custom) {
        this.engineLabelKey = engineLabelKey == null || engineLabelKey.isBlank() ? ENGINE_LABEL : engineLabelKey;
        Map<String, EngineMetricsMapping> m = new LinkedHashMap<>();
        for (EngineMetricsMapping c : custom) {
            if (m.put(c.engine(), c) != null) {
                throw new IllegalArgumentException("engine '" + c.engine() + "' is configured twice");
            }
        }
        for (EngineMetricsMapping builtIn : EngineMetricsMapping.BUILT_IN) {
            m.putIfAbsent(builtIn.engine(), builtIn);
        }
        // The reference and some deployments spell the Triton engine "triton-trtllm".
        m.putIfAbsent("triton-trtllm", m.get("triton-tensorrt-llm"));
        String def = defaultEngine == null || defaultEngine.isBlank() ? DEFAULT_ENGINE : defaultEngine;
        EngineMetricsMapping d = m.get(def);
        if (d == null) {
            throw new IllegalArgumentException("defaultEngine '" + def + "' not found in engine configs " + m.keySet());
        }
        this.defaultMapping = d;
        this.mappings = Map.copyOf(m);
        Map<String, PrometheusTextParser> p = new HashMap<>();
        for (EngineMetricsMapping mapping : m.values()) {
            p.put(mapping.engine(), PrometheusTextParser.only(mapping.sampleNames()));
        }
        this.parsers = Map.copyOf(p);
    }

    /** The built-in engines, vLLM by default, the standard label. */
    public static MetricsExtractor withDefaults() {
        return new MetricsExtractor(ENGINE_LABEL, DEFAULT_ENGINE, List.of());
    }

    /**
     * Mirrors the {@code core-metrics-extractor} parameters.
     *
     * @param engineLabelKey pod label naming the engine; the standard one when blank
     * @param defaultEngine engine for unlabeled pods; {@code vllm} when blank
     * @param engineConfigs custom engines; they replace built-ins of the same name
     * @throws IllegalArgumentException for a bad spec, a duplicate engine or an unknown default engine
     */
    public static MetricsExtractor create(String engineLabelKey, String defaultEngine,
            List<EngineConfig> engineConfigs) {
        List<EngineMetricsMapping> custom = new ArrayList<>();
        for (EngineConfig c : engineConfigs == null ? List.<EngineConfig> of() : engineConfigs) {
            custom.add(EngineMetricsMapping.fromConfig(c));
        }
        return new MetricsExtractor(engineLabelKey, defaultEngine, custom);
    }

    /** Like {@link #create} with mappings built in code. */
    public static MetricsExtractor ofMappings(String engineLabelKey, String defaultEngine,
            List<EngineMetricsMapping> mappings) {
        return new MetricsExtractor(engineLabelKey, defaultEngine, mappings);
    }

    /** The engine type named by the pod labels (not yet resolved against known engines). */
    public String engineTypeOf(Map<String, String> podLabels) {
        if (podLabels == null) {
            return defaultMapping.engine();
        }
        String t = podLabels.get(engineLabelKey);
        if (t == null || t.isEmpty()) {
            t = podLabels.get(LEGACY_ENGINE_LABEL);
        }
        return t == null || t.isEmpty() ? defaultMapping.engine() : t;
    }

    /** The mapping for a pod: its engine's, or the default mapping for unknown engines. */
    public EngineMetricsMapping mappingFor(Map<String, String> podLabels) {
        return mappings.getOrDefault(engineTypeOf(podLabels), defaultMapping);
    }

    /** A parser keeping only the samples this mapping reads. */
    public PrometheusTextParser parserFor(EngineMetricsMapping mapping) {
        PrometheusTextParser p = parsers.get(mapping.engine());
        return p != null && mappings.get(mapping.engine()) == mapping ? p
                : PrometheusTextParser.only(mapping.sampleNames());
    }

    /** Parses a raw scrape with the pod's engine filter and extracts from it. */
    public MetricsExtraction extract(byte[] scrapeBody, Map<String, String> podLabels, EndpointMetrics previous,
            Instant updateTime) {
        EngineMetricsMapping mapping = mappingFor(podLabels);
        return extract(parserFor(mapping).parse(scrapeBody), mapping, previous, updateTime);
    }

    /** Extracts the snapshot, dropping the diagnostics. */
    public EndpointMetrics extractMetrics(ParsedMetrics scrape, Map<String, String> podLabels,
            EndpointMetrics previous, Instant updateTime) {
        return extract(scrape, mappingFor(podLabels), previous, updateTime).metrics();
    }

    /**
     * Extracts with a given mapping.
     *
     * @param previous the last snapshot (fields not found keep its values); {@link EndpointMetrics#NONE} if none
     * @param updateTime the scrape completion time, stamped when anything was read
     */
    public MetricsExtraction extract(ParsedMetrics scrape, EngineMetricsMapping mapping, EndpointMetrics previous,
            Instant updateTime) {
        EndpointMetrics prev = previous == null ? EndpointMetrics.NONE : previous;
        List<String> problems = new ArrayList<>(0);
        boolean updated = false;

        int waiting = prev.waitingQueueSize();
        int running = prev.runningRequestsSize();
        double kv = prev.kvCacheUsage();
        Set<String> active = prev.activeModels();
        Set<String> waitingModels = prev.waitingModels();
        int maxLora = prev.maxActiveModels();
        int blockSize = prev.cacheBlockSize();
        long numBlocks = prev.cacheNumBlocks();

        double v = aggregate(scrape, mapping.queuedRequests(), false, "waiting requests", problems);
        if (!Double.isNaN(v)) {
            waiting = toCount(v);
            updated = true;
        }
        v = aggregate(scrape, mapping.runningRequests(), false, "running requests", problems);
        if (!Double.isNaN(v)) {
            running = toCount(v);
            updated = true;
        }
        v = aggregate(scrape, mapping.kvUsage(), true, "KV-cache usage", problems);
        if (!Double.isNaN(v)) {
            kv = Math.max(0.0, Math.min(1.0, v));
            updated = true;
        }

        Sample lora = newestLora(scrape, mapping.lora());
        if (lora != null) {
            active = adapters(lora.labels().get(RUNNING_ADAPTERS));
            waitingModels = adapters(lora.labels().get(WAITING_ADAPTERS));
            String max = lora.labels().get(MAX_LORA);
            if (max != null && !max.isEmpty()) {
                try {
                    maxLora = Integer.parseInt(max.trim());
                } catch (NumberFormatException e) {
                    problems.add("label max_lora of " + lora.name() + " is not an integer: '" + max + "'");
                }
            }
            updated = true;
        }

        boolean blockSizeFound = false;
        boolean numBlocksFound = false;
        if (!mapping.cacheInfo().isEmpty()) {
            List<Sample> info = firstSelected(scrape, mapping.cacheInfo());
            if (info.isEmpty()) {
                problems.add("no series for cache info " + mapping.cacheInfo());
            } else {
                long maxBlockSize = -1;
                long sumBlocks = -1;
                for (Sample s : info) {
                    long bs = labelLong(s, mapping.cacheBlockSizeLabel(), problems);
                    if (bs >= 0) {
                        maxBlockSize = Math.max(maxBlockSize, bs);
                    }
                    long nb = labelLong(s, mapping.cacheNumBlocksLabel(), problems);
                    if (nb >= 0) {
                        sumBlocks = (sumBlocks < 0 ? 0 : sumBlocks) + nb;
                    }
                }
                if (maxBlockSize >= 0) {
                    blockSize = (int) Math.min(Integer.MAX_VALUE, maxBlockSize);
                    blockSizeFound = true;
                    updated = true;
                }
                if (sumBlocks >= 0) {
                    numBlocks = sumBlocks;
                    numBlocksFound = true;
                    updated = true;
                }
            }
        }
        if (!blockSizeFound && !mapping.cacheBlockSize().isEmpty()) {
            v = aggregate(scrape, mapping.cacheBlockSize(), true, "cache block size", problems);
            if (!Double.isNaN(v)) {
                blockSize = toCount(v);
                updated = true;
            }
        }
        if (!numBlocksFound && !mapping.cacheNumBlocks().isEmpty()) {
            v = aggregate(scrape, mapping.cacheNumBlocks(), false, "cache block count", problems);
            if (!Double.isNaN(v)) {
                numBlocks = v >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0L, (long) v);
                updated = true;
            }
        }

        EndpointMetrics out = updated
                ? new EndpointMetrics(waiting, running, kv, active, waitingModels, maxLora, blockSize, numBlocks,
                        updateTime)
                : prev;
        return new MetricsExtraction(out, mapping.engine(), updated, problems);
    }

    /** Sum (or max) of the non-NaN values of the first spec with series; NaN when none. */
    private static double aggregate(ParsedMetrics scrape, List<MetricSpec> specs, boolean max, String what,
            List<String> problems) {
        if (specs.isEmpty()) {
            return Double.NaN;
        }
        List<Sample> series = firstSelected(scrape, specs);
        double acc = Double.NaN;
        for (Sample s : series) {
            double x = s.value();
            if (Double.isNaN(x)) {
                continue;
            }
            acc = Double.isNaN(acc) ? x : (max ? Math.max(acc, x) : acc + x);
        }
        if (Double.isNaN(acc)) {
            problems.add((series.isEmpty() ? "no series for " : "only NaN values for ") + what + " " + specs);
        }
        return acc;
    }

    private static List<Sample> firstSelected(ParsedMetrics scrape, List<MetricSpec> specs) {
        for (MetricSpec spec : specs) {
            List<Sample> s = spec.select(scrape);
            if (!s.isEmpty()) {
                return s;
            }
        }
        return List.of();
    }

    private static Sample newestLora(ParsedMetrics scrape, List<MetricSpec> specs) {
        Sample newest = null;
        for (Sample s : firstSelected(scrape, specs)) {
            if (!Double.isNaN(s.value()) && (newest == null || s.value() > newest.value())) {
                newest = s;
            }
        }
        return newest;
    }

    private static Set<String> adapters(String csv) {
        if (csv == null || csv.isBlank()) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String part : csv.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static long labelLong(Sample s, String label, List<String> problems) {
        String v = s.labels().get(label);
        if (v == null || v.isEmpty()) {
            return -1;
        }
        try {
            long x = Long.parseLong(v.trim());
            return x < 0 ? -1 : x;
        } catch (NumberFormatException e) {
            problems.add("label " + label + " of " + s.name() + " is not an integer: '" + v + "'");
            return -1;
        }
    }

    private static int toCount(double v) {
        if (Double.isNaN(v) || v <= 0) {
            return 0;
        }
        return v >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }
}
