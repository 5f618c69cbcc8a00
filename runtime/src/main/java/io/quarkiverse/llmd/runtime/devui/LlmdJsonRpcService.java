package io.quarkiverse.llmd.runtime.devui;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfig;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.embedded.EmbeddedFleet;

/**
 * The Dev UI's JSON-RPC methods (card "llm-d scheduler"): the pool with live metrics, the effective
 * EndpointPickerConfig and the most recent decisions. Returns records; reads only immutable snapshots.
 */
public class LlmdJsonRpcService {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An endpoint of a pool.
     *
     * @param pool the pool it belongs to
     * @param metricsAgeMillis age of the last metrics scrape, -1 when never scraped
     */
    public record EndpointInfo(String pool, String name, String address, String role, String accelerator,
            Map<String, String> labels, int waiting, int running, double kvCacheUsage, boolean scraped,
            long metricsAgeMillis, List<String> activeModels) {
    }

    /**
     * A pool: its models (empty for any), endpoint count, and the condition its owner recorded (why its last
     * configuration was refused, for a pool built from an LLMInferenceService), or empty.
     */
    public record PoolInfo(String name, List<String> models, int endpoints, String condition) {
    }

    /** A scorer in a profile. */
    public record ScorerInfo(String name, String type, double weight, String category) {
    }

    /** A scheduling profile: filters in order, weighted scorers, the picker. */
    public record ProfileInfo(String name, List<String> filters, List<ScorerInfo> scorers, String picker) {
    }

    /** A plugin declaration of the EndpointPickerConfig. */
    public record PluginInfo(String name, String type, String parameters, boolean defaulted) {
    }

    /** The effective configuration. */
    public record ConfigInfo(String apiVersion, String profileHandler, List<ProfileInfo> profiles,
            List<PluginInfo> plugins, List<String> featureGates) {
    }

    @Inject
    Scheduler scheduler;

    @Inject
    EndpointRegistry registry;

    @Inject
    PoolDirectory pools;

    @Inject
    io.quarkiverse.llmd.runtime.DynamicPools dynamicPools;

    @Inject
    EndpointPickerConfigLoader.Loaded loaded;

    @Inject
    DecisionLog decisions;

    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    public List<EndpointInfo> getEndpoints() {
        Instant now = Instant.now();
        List<EndpointInfo> out = new ArrayList<>();
        for (Pool pool : pools.current().all()) {
            for (Endpoint e : pool.registry().endpoints()) {
                EndpointMetrics m = e.metrics();
                long age = m.scraped() ? Math.max(0, Duration.between(m.updateTime(), now).toMillis()) : -1;
                out.add(new EndpointInfo(pool.name(), e.name(), e.address(), e.role(),
                        e.labels().getOrDefault(EmbeddedFleet.ACCELERATOR_LABEL, ""), new TreeMap<>(e.labels()),
                        m.waitingQueueSize(), m.runningRequestsSize(), m.kvCacheUsage(), m.scraped(), age,
                        List.copyOf(new java.util.TreeSet<>(m.activeModels()))));
            }
        }
        return out;
    }

    /**
     * Every pool in force, with the condition recorded for pools added at runtime; then the pools whose first
     * configuration was refused (no models, no endpoints, the reason).
     */
    public List<PoolInfo> getPools() {
        List<PoolInfo> out = new ArrayList<>();
        Map<String, String> conditions = dynamicPools.conditions();
        for (Pool pool : pools.current().all()) {
            String condition = conditions.remove(pool.name());
            out.add(new PoolInfo(pool.name(), List.copyOf(pool.models()), pool.registry().endpoints().size(),
                    condition == null ? "" : condition));
        }
        conditions.forEach((name, condition) -> out.add(new PoolInfo(name, List.of(), 0, condition)));
        return out;
    }

    /** The card's label: how many endpoints the gateway has, and in how many pools when more than one. */
    public String getEndpointCount() {
        int endpoints = 0;
        List<Pool> now = pools.current().all();
        for (Pool pool : now) {
            endpoints += pool.registry().endpoints().size();
        }
        int n = now.size();
        return n == 1 ? String.valueOf(endpoints) : endpoints + " in " + n + " pools";
    }

    public ConfigInfo getProfiles() {
        List<ProfileInfo> profiles = new ArrayList<>();
        for (SchedulerProfile p : scheduler.profiles().values()) {
            List<String> filters = new ArrayList<>();
            for (Filter f : p.filters()) {
                filters.add(f.typedName().toString());
            }
            List<ScorerInfo> scorers = new ArrayList<>();
            for (WeightedScorer w : p.scorers()) {
                scorers.add(new ScorerInfo(w.scorer().typedName().name(), w.scorer().typedName().type(), w.weight(),
                        String.valueOf(w.scorer().category())));
            }
            profiles.add(new ProfileInfo(p.name(), filters, scorers, p.picker().typedName().toString()));
        }
        EndpointPickerConfig config = loaded.config();
        List<PluginInfo> plugins = new ArrayList<>();
        for (EndpointPickerConfig.PluginSpec spec : config.plugins()) {
            plugins.add(new PluginInfo(spec.name(), spec.type(),
                    spec.parameters() == null || spec.parameters().isEmpty() ? "" : spec.parameters().toString(),
                    spec.defaulted()));
        }
        return new ConfigInfo(config.apiVersion(), scheduler.profileHandler().typedName().toString(), profiles,
                plugins, config.featureGates());
    }

    public List<DecisionLog.Entry> getDecisions() {
        return decisions.recent();
    }

    /**
     * Schedules a sample chat completion without sending it (no pre-request hooks run, so no counter or index
     * changes), and records the decision with every candidate's scores.
     */
    public DecisionLog.Entry tryRequest(String model, String prompt) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model == null || model.isBlank() ? "llmd-sim/llama-3-8b" : model);
        body.putArray("messages").addObject().put("role", "user").put("content",
                prompt == null || prompt.isBlank() ? "Hello from the Dev UI" : prompt);
        InferenceRequest request;
        try {
            request = parser.parse("/v1/chat/completions", Map.of(), body.toString().getBytes(StandardCharsets.UTF_8));
        } catch (InvalidRequestException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        SchedulingContext context = new SchedulingContext(request, Instant.now(), ThreadLocalRandom.current());
        context.trace(decisions.trace());
        SchedulingResult result = scheduler.schedule(context, registry.endpoints());
        return decisions.record("dry-run", context, result);
    }

    public int clearDecisions() {
        decisions.clear();
        return 0;
    }
}
