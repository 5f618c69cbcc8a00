package io.quarkiverse.llmd.runtime.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;
import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * The EPP's Prometheus meters. Every meter is emitted under llm-d v0.10's canonical {@code llm_d_epp_*} name with
 * llm-d's labels, and, unless {@link Options#legacyNames()} is off, also under its legacy name
 * ({@code inference_objective_*}, {@code inference_pool_*}, {@code inference_extension_*},
 * {@code llm_d_inference_scheduler_*}), which autoscalers and dashboards in the field still query. The mapping is
 * documented in {@code docs/modules/ROOT/pages/metrics.adoc}.
 * <p>
 * Micrometer names are chosen so that the Prometheus registry exposes exactly llm-d's names: counters get
 * {@code _total} appended and timers {@code _seconds}, so they are registered without those suffixes.
 * <p>
 * Label values that come from a request (model, target model, fairness id) are bounded: each through a
 * {@link LabelLimiter} (values the gateway knows, else a capped set, then {@code other}), and the combinations of
 * the per-request families through a {@link LabelSetBudget}, so no client can make the registry grow without
 * bound. Priority is bounded already: it comes from the configured objectives. Meters are cached per label set, so
 * recording costs a map lookup, not a registration.
 */
public final class EppMetrics implements PipelineMetrics {

    // Canonical names (llm-d v0.10); the Prometheus suffix Micrometer appends is in the comment.
    static final String REQUEST = "llm_d_epp_request"; // _total
    static final String REQUEST_ERROR = "llm_d_epp_request_error"; // _total
    static final String REQUEST_DURATION = "llm_d_epp_request_duration"; // _seconds
    static final String REQUEST_TTFT = "llm_d_epp_request_ttft"; // _seconds
    static final String REQUEST_SIZE = "llm_d_epp_request_size_bytes";
    static final String INPUT_TOKENS = "llm_d_epp_request_input_tokens";
    static final String OUTPUT_TOKENS = "llm_d_epp_request_output_tokens";
    static final String CACHED_TOKENS = "llm_d_epp_request_cached_tokens";
    static final String RUNNING = "llm_d_epp_request_running";
    static final String POOL_KV = "llm_d_epp_average_kv_cache_utilization";
    static final String POOL_QUEUE = "llm_d_epp_average_queue_size";
    static final String POOL_RUNNING = "llm_d_epp_average_running_requests";
    static final String POOL_KV_STDDEV = "llm_d_epp_std_dev_kv_cache_utilization";
    static final String POOL_QUEUE_STDDEV = "llm_d_epp_std_dev_queue_size";
    static final String POOL_RUNNING_STDDEV = "llm_d_epp_std_dev_running_requests";
    static final String POOL_READY = "llm_d_epp_ready_endpoints";
    static final String PER_ENDPOINT_QUEUE = "llm_d_epp_per_endpoint_queue_size";
    static final String SCHEDULER_E2E = "llm_d_epp_scheduler_e2e_duration"; // _seconds
    static final String SCHEDULER_ATTEMPTS = "llm_d_epp_scheduler_attempts"; // _total
    static final String FC_QUEUE_SIZE = "llm_d_epp_flow_control_queue_size";
    static final String FC_QUEUE_BYTES = "llm_d_epp_flow_control_queue_bytes";
    static final String FC_SATURATION = "llm_d_epp_flow_control_pool_saturation";
    static final String FC_QUEUE_DURATION = "llm_d_epp_flow_control_request_queue_duration"; // _seconds
    static final String FC_REQUESTS = "llm_d_epp_flow_control_requests"; // _total
    static final String DISAGG = "llm_d_epp_disagg_decision"; // _total
    static final String INFLIGHT_REQUESTS = "llm_d_epp_inflight_requests";
    static final String INFLIGHT_TOKENS = "llm_d_epp_inflight_tokens";

    // Legacy names (scheduler-epp.md 7.2), dual-emitted as llm-d still does.
    static final String LEGACY_REQUEST = "inference_objective_request"; // _total
    static final String LEGACY_REQUEST_ERROR = "inference_objective_request_error"; // _total
    static final String LEGACY_REQUEST_DURATION = "inference_objective_request_duration"; // _seconds
    static final String LEGACY_REQUEST_TTFT = "inference_objective_request_ttft"; // _seconds
    static final String LEGACY_REQUEST_SIZES = "inference_objective_request_sizes";
    static final String LEGACY_INPUT_TOKENS = "inference_objective_input_tokens";
    static final String LEGACY_OUTPUT_TOKENS = "inference_objective_output_tokens";
    static final String LEGACY_CACHED_TOKENS = "inference_objective_prompt_cached_tokens";
    static final String LEGACY_RUNNING = "inference_objective_running_requests";
    static final String LEGACY_POOL_KV = "inference_pool_average_kv_cache_utilization";
    static final String LEGACY_POOL_QUEUE = "inference_pool_average_queue_size";
    static final String LEGACY_POOL_RUNNING = "inference_pool_average_running_requests";
    static final String LEGACY_POOL_READY = "inference_pool_ready_pods";
    static final String LEGACY_POOL_PER_POD_QUEUE = "inference_pool_per_pod_queue_size";
    static final String LEGACY_SCHEDULER_E2E = "inference_extension_scheduler_e2e_duration"; // _seconds
    static final String LEGACY_SCHEDULER_ATTEMPTS = "inference_extension_scheduler_attempts"; // _total
    static final String LEGACY_FC_QUEUE_SIZE = "inference_extension_flow_control_queue_size";
    static final String LEGACY_FC_QUEUE_BYTES = "inference_extension_flow_control_queue_bytes";
    static final String LEGACY_FC_SATURATION = "inference_extension_flow_control_pool_saturation";
    static final String LEGACY_FC_QUEUE_DURATION = "inference_extension_flow_control_request_queue_duration"; // _seconds
    static final String LEGACY_DISAGG = "llm_d_inference_scheduler_disagg_decision"; // _total

    /** The fairness id of a request without one (llm-d's default flow). */
    public static final String DEFAULT_FAIRNESS_ID = "default-flow";
    /** The fairness-id headers, canonical first, then the deprecated alias (v0.10 deltas 4.2). */
    static final String[] FAIRNESS_HEADERS = { "x-llm-d-inference-fairness-id", "x-gateway-inference-fairness-id" };
    private static final String OTHER = LabelLimiter.OTHER;

    private static final Duration[] LATENCY_BUCKETS = seconds(0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0,
            1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800,
            2700, 3600);
    private static final Duration[] SCHEDULER_BUCKETS = seconds(0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01,
            0.02, 0.05, 0.1);
    private static final Duration[] QUEUE_BUCKETS = seconds(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
            5, 10, 30, 60);
    private static final double[] TOKEN_BUCKETS = { 1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
            32778, 65536, 131072, 262144, 524288, 1048576 };
    private static final double[] SIZE_BUCKETS = { 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
            131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216, 33554432, 67108864, 134217728,
            268435456, 536870912, 1073741824 };

    /**
     * Bounds and naming of the meters.
     *
     * @param modelLabelLimit distinct {@code model_name} / {@code target_model_name} values the gateway does not
     *        know that are reported as themselves (shared by both labels, as in llm-d); then {@code other}
     * @param fairnessIdLabelLimit distinct {@code fairness_id} values reported as themselves; then {@code other}
     * @param labelSetLimit distinct (model, target model, fairness id, priority) combinations of the per-request
     *        families; past it the fairness id, then every client-supplied label, folds into {@code other}
     * @param legacyNames whether the legacy names are emitted beside the {@code llm_d_epp_*} ones
     * @param knownModels model names that are always reported as themselves (served models, rewrite targets);
     *        null for none, then only the cap applies
     */
    public record Options(int modelLabelLimit, int fairnessIdLabelLimit, int labelSetLimit, boolean legacyNames,
            Predicate<String> knownModels) {

        /** llm-d's caps (1,000 values per label), legacy names on, no known models. */
        public static final Options DEFAULT = new Options(1000, 1000, 2000, true, null);

        public Options {
            if (modelLabelLimit < 0 || fairnessIdLabelLimit < 0 || labelSetLimit < 0) {
                throw new IllegalArgumentException("metric label limits must be >= 0");
            }
        }

        /** The same options with the set of model names the gateway serves (read on every call). */
        public Options withKnownModels(Predicate<String> known) {
            return new Options(modelLabelLimit, fairnessIdLabelLimit, labelSetLimit, legacyNames, known);
        }
    }

    /** Records nothing: for directors built without a registry (benchmarks, plain unit tests). */
    public static final EppMetrics NOOP = new EppMetrics();

    private final MeterRegistry registry;
    private final String poolName;
    private volatile boolean closed;
    private final boolean legacy;
    private final LabelLimiter models;
    private final LabelLimiter fairnessIds;
    private final LabelSetBudget<RequestKey> requestSets;
    private final LabelSetBudget<ModelKey> legacySets;
    private final Map<RequestKey, RequestMeters> requests = new ConcurrentHashMap<>();
    private final Map<ModelKey, LegacyMeters> legacyModels = new ConcurrentHashMap<>();
    private final Map<List<Object>, Counter> errors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> legacyRunning = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> disagg = new ConcurrentHashMap<>();
    private final Map<List<Object>, Timer> queueDurations = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> flowOutcomes = new ConcurrentHashMap<>();
    private final Map<RequestKey, long[]> queued = new ConcurrentHashMap<>();
    private final Map<String, InFlightLoad> inFlightSources = new ConcurrentHashMap<>();
    private final Timer schedulerE2e;
    private final Timer legacySchedulerE2e;
    private final MultiGauge perEndpointQueue;
    private final MultiGauge legacyPerPodQueue;
    private final MultiGauge inFlightRequests;
    private final MultiGauge inFlightTokens;
    private volatile double saturation;

    /** What the ready-endpoints gauge reports; the pool's schedulable endpoints once outlier detection runs. */
    private volatile IntSupplier readyEndpoints = () -> 0;

    /**
     * Counts ready endpoints with {@code ready} (the pool's schedulable endpoints) instead of every endpoint of the
     * registry, so that ejected endpoints and those with stale metrics drop out of the gauge.
     */
    public void countReadyWith(IntSupplier ready) {
        this.readyEndpoints = ready;
    }

    private EppMetrics() {
        this.registry = null;
        this.poolName = "";
        this.legacy = false;
        this.models = new LabelLimiter(0, null);
        this.fairnessIds = new LabelLimiter(0, null);
        this.requestSets = new LabelSetBudget<>(0);
        this.legacySets = new LabelSetBudget<>(0);
        this.schedulerE2e = null;
        this.legacySchedulerE2e = null;
        this.perEndpointQueue = null;
        this.legacyPerPodQueue = null;
        this.inFlightRequests = null;
        this.inFlightTokens = null;
    }

    /** With llm-d's default caps and the legacy names. */
    public EppMetrics(MeterRegistry registry, String poolName, EndpointRegistry endpoints) {
        this(registry, poolName, endpoints, Options.DEFAULT);
    }

    /**
     * @param poolName the {@code name} / {@code inference_pool} label of pool-level meters
     * @param endpoints the pool, read by the pool gauges when scraped
     */
    public EppMetrics(MeterRegistry registry, String poolName, EndpointRegistry endpoints, Options options) {
        this.registry = registry;
        this.poolName = poolName;
        this.legacy = options.legacyNames();
        this.models = new LabelLimiter(options.modelLabelLimit(), options.knownModels());
        this.fairnessIds = new LabelLimiter(options.fairnessIdLabelLimit(), null);
        this.requestSets = new LabelSetBudget<>(options.labelSetLimit());
        this.legacySets = new LabelSetBudget<>(options.labelSetLimit());
        Tags pool = Tags.of("name", poolName);
        this.readyEndpoints = () -> endpoints.endpoints().size();
        poolGauge(POOL_KV, LEGACY_POOL_KV, pool, endpoints, m -> m.kvCacheUsage(), false,
                "Average KV cache utilization of the pool");
        poolGauge(POOL_QUEUE, LEGACY_POOL_QUEUE, pool, endpoints, m -> m.waitingQueueSize(), false,
                "Average waiting queue size of the pool");
        poolGauge(POOL_RUNNING, LEGACY_POOL_RUNNING, pool, endpoints, m -> m.runningRequestsSize(), false,
                "Average running requests of the pool");
        poolGauge(POOL_KV_STDDEV, null, pool, endpoints, m -> m.kvCacheUsage(), true,
                "Standard deviation of the KV cache utilization of the pool");
        poolGauge(POOL_QUEUE_STDDEV, null, pool, endpoints, m -> m.waitingQueueSize(), true,
                "Standard deviation of the waiting queue size of the pool");
        poolGauge(POOL_RUNNING_STDDEV, null, pool, endpoints, m -> m.runningRequestsSize(), true,
                "Standard deviation of the running requests of the pool");
        for (String name : names(POOL_READY, LEGACY_POOL_READY)) {
            Gauge.builder(name, this, m -> m.readyEndpoints.getAsInt()).tags(pool).strongReference(true)
                    .description("Number of ready endpoints in the pool (neither ejected nor with stale metrics)")
                    .register(registry);
        }
        this.perEndpointQueue = MultiGauge.builder(PER_ENDPOINT_QUEUE)
                .description("Waiting queue size of each endpoint").register(registry);
        this.legacyPerPodQueue = legacy ? MultiGauge.builder(LEGACY_POOL_PER_POD_QUEUE)
                .description("Waiting queue size of each pod").register(registry) : null;
        this.inFlightRequests = MultiGauge.builder(INFLIGHT_REQUESTS)
                .description("Requests in flight on each endpoint, by in-flight load producer").register(registry);
        this.inFlightTokens = MultiGauge.builder(INFLIGHT_TOKENS)
                .description("Estimated tokens in flight on each endpoint, by in-flight load producer")
                .register(registry);
        this.schedulerE2e = Timer.builder(SCHEDULER_E2E).serviceLevelObjectives(SCHEDULER_BUCKETS)
                .description("End-to-end scheduling latency").register(registry);
        this.legacySchedulerE2e = legacy ? Timer.builder(LEGACY_SCHEDULER_E2E)
                .serviceLevelObjectives(SCHEDULER_BUCKETS).description("End-to-end scheduling latency")
                .register(registry) : null;
        // One value: the one admission and the dispatch cycle gate on, which llm-d labels stage="effective".
        Gauge.builder(FC_SATURATION, this, m -> m.saturation).tags("inference_pool", poolName, "stage", "effective")
                .strongReference(true).description("Pool saturation used to gate admission and dispatch")
                .register(registry);
        if (legacy) {
            Gauge.builder(LEGACY_FC_SATURATION, this, m -> m.saturation).tags("inference_pool", poolName)
                    .strongReference(true)
                    .description("Last pool saturation computed for admission and flow control").register(registry);
        }
    }

    @Override
    public boolean enabled() {
        return registry != null;
    }

    /**
     * Removes this pool's own series from the registry (a pool removed at runtime): the pool gauges, the
     * flow-control gauges and the per-endpoint rows, i.e. every meter labelled with this pool. Meters labelled by
     * model only are shared with the other pools, as in llm-d, and stay. Idempotent.
     */
    public void close() {
        if (registry == null || closed) {
            return;
        }
        closed = true;
        perEndpointQueue.register(List.of(), true);
        if (legacyPerPodQueue != null) {
            legacyPerPodQueue.register(List.of(), true);
        }
        inFlightRequests.register(List.of(), true);
        inFlightTokens.register(List.of(), true);
        inFlightSources.clear();
        for (io.micrometer.core.instrument.Meter m : List.copyOf(registry.getMeters())) {
            if (poolName.equals(m.getId().getTag("name")) || poolName.equals(m.getId().getTag("inference_pool"))) {
                registry.remove(m);
            }
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String poolName() {
        return poolName;
    }

    /** The limiter of {@code model_name} / {@code target_model_name} values. */
    public LabelLimiter modelLabels() {
        return models;
    }

    /** The limiter of {@code fairness_id} values. */
    public LabelLimiter fairnessIdLabels() {
        return fairnessIds;
    }

    /**
     * Publishes the per-endpoint gauges (queue size, in-flight load); the pool's membership changes, so rows are
     * replaced as a whole and a removed endpoint's series disappear with it.
     */
    public void refreshPerPod(EndpointRegistry endpoints) {
        if (registry == null) {
            return;
        }
        List<Endpoint> all = endpoints.endpoints();
        List<MultiGauge.Row<?>> rows = new ArrayList<>(all.size());
        List<MultiGauge.Row<?>> legacyRows = new ArrayList<>(all.size());
        for (Endpoint e : all) {
            double queue = e.metrics().waitingQueueSize();
            rows.add(MultiGauge.Row.of(Tags.of("name", poolName, "model_server_endpoint", podName(e)), queue));
            legacyRows.add(MultiGauge.Row.of(Tags.of("name", poolName, "model_server_pod", podName(e)), queue));
        }
        perEndpointQueue.register(rows, true);
        if (legacyPerPodQueue != null) {
            legacyPerPodQueue.register(legacyRows, true);
        }
        if (!inFlightSources.isEmpty()) {
            List<MultiGauge.Row<?>> requestRows = new ArrayList<>();
            List<MultiGauge.Row<?>> tokenRows = new ArrayList<>();
            for (Map.Entry<String, InFlightLoad> source : inFlightSources.entrySet()) {
                for (Endpoint e : all) {
                    Tags tags = Tags.of("endpoint_name", podName(e), "namespace", namespaceOf(e), "producer_name",
                            source.getKey());
                    requestRows.add(MultiGauge.Row.of(tags, source.getValue().requests(e)));
                    tokenRows.add(MultiGauge.Row.of(tags, source.getValue().tokens(e)));
                }
            }
            inFlightRequests.register(requestRows, true);
            inFlightTokens.register(tokenRows, true);
        }
    }

    /** Stops publishing the in-flight load of the producers given so far (their configuration was replaced). */
    public void forgetInFlightSources() {
        inFlightSources.clear();
    }

    /** Publishes the in-flight load an {@code inflight-load-producer} keeps, per endpoint. */
    public void inFlightSource(String producerName, InFlightLoad load) {
        if (registry != null) {
            inFlightSources.put(producerName, load);
        }
    }

    /**
     * A request refused before or instead of reaching a model server. A request that could not be parsed (null)
     * is counted with empty model labels, so it mints no series of its own.
     */
    @Override
    public void requestError(InferenceRequest request, int priority, String errorCode) {
        if (registry == null) {
            return;
        }
        RequestKey key = requestKey(request, priority);
        errors.computeIfAbsent(List.of(key, errorCode), k -> Counter.builder(REQUEST_ERROR).tags(key.tags())
                .tag("error_code", errorCode).description("Requests that failed").register(registry)).increment();
        if (legacy) {
            ModelKey m = legacyKey(request);
            errors.computeIfAbsent(List.of(m, errorCode), k -> Counter.builder(LEGACY_REQUEST_ERROR)
                    .tags("model_name", m.model(), "target_model_name", m.target(), "error_code", errorCode)
                    .description("Counter of inference objective requests that failed").register(registry))
                    .increment();
        }
    }

    /** One scheduling cycle: its latency and whether it found an endpoint. */
    @Override
    public void schedulingAttempt(long nanos, boolean success, String targetModel, Endpoint primary) {
        if (registry == null) {
            return;
        }
        schedulerE2e.record(nanos, TimeUnit.NANOSECONDS);
        if (legacySchedulerE2e != null) {
            legacySchedulerE2e.record(nanos, TimeUnit.NANOSECONDS);
        }
        String target = models.value(targetModel);
        String pod = primary == null ? "" : podName(primary);
        String namespace = primary == null ? "" : namespaceOf(primary);
        String port = primary == null ? "" : portOf(primary);
        String status = success ? "success" : "failure";
        List<String> key = List.of(status, target, pod, namespace, port);
        attempts.computeIfAbsent(key, k -> Counter.builder(SCHEDULER_ATTEMPTS).tags("status", status,
                "target_model_name", target, "endpoint_name", pod, "namespace", namespace, "port", port)
                .description("Scheduling attempts by outcome").register(registry)).increment();
        if (legacy) {
            attempts.computeIfAbsent(List.of("legacy", status, target, pod, namespace, port),
                    k -> Counter.builder(LEGACY_SCHEDULER_ATTEMPTS).tags("status", status, "target_model_name",
                            target, "pod_name", pod, "namespace", namespace, "port", port)
                            .description("Scheduling attempts by outcome").register(registry))
                    .increment();
        }
    }

    /** A request was placed and is about to be forwarded. */
    @Override
    public void routed(InferenceRequest request, int priority, long requestBytes, String disaggDecision) {
        if (registry == null) {
            return;
        }
        RequestMeters meters = requestMeters(request, priority);
        meters.requestSize.record(requestBytes);
        meters.running.incrementAndGet();
        if (legacy) {
            ModelKey m = legacyKey(request);
            legacyMeters(m).requestSizes.record(requestBytes);
            legacyRunning(m.model()).incrementAndGet();
        }
        if (disaggDecision != null) {
            String model = meters.key.target();
            disagg.computeIfAbsent(List.of(model, disaggDecision), k -> Counter.builder(DISAGG)
                    .tags("model_name", model, "decision_type", disaggDecision)
                    .description("Disaggregation decisions by type").register(registry)).increment();
            if (legacy) {
                disagg.computeIfAbsent(List.of(disaggDecision), d -> Counter.builder(LEGACY_DISAGG)
                        .tags("decision_type", disaggDecision).description("Disaggregation decisions by type")
                        .register(registry)).increment();
            }
        }
    }

    /** The first response chunk came, {@code nanos} after the request was received. */
    @Override
    public void firstChunk(InferenceRequest request, int priority, long nanos) {
        if (registry == null) {
            return;
        }
        requestMeters(request, priority).ttft.record(nanos, TimeUnit.NANOSECONDS);
        if (legacy) {
            legacyMeters(legacyKey(request)).ttft.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A routed request ended, {@code nanos} after it was received; negative token counts are unknown. */
    @Override
    public void completed(InferenceRequest request, int priority, long nanos, long promptTokens,
            long completionTokens, long cachedTokens) {
        if (registry == null) {
            return;
        }
        RequestMeters m = requestMeters(request, priority);
        m.requests.increment();
        m.duration.record(nanos, TimeUnit.NANOSECONDS);
        recordTokens(m.inputTokens, m.outputTokens, m.cachedTokens, promptTokens, completionTokens, cachedTokens);
        m.running.decrementAndGet();
        if (legacy) {
            ModelKey key = legacyKey(request);
            LegacyMeters l = legacyMeters(key);
            l.requests.increment();
            l.duration.record(nanos, TimeUnit.NANOSECONDS);
            recordTokens(l.inputTokens, l.outputTokens, l.cachedTokens, promptTokens, completionTokens,
                    cachedTokens);
            legacyRunning(key.model()).decrementAndGet();
        }
    }

    /** A request entered the flow-control queue: it counts in the queue gauges until {@link #queueOutcome}. */
    @Override
    public void enqueued(InferenceRequest request, int priority, long bytes) {
        if (registry == null) {
            return;
        }
        RequestKey key = requestKey(request, priority);
        long[] counts = queued.computeIfAbsent(key, this::registerQueueGauges);
        synchronized (counts) {
            counts[0]++;
            counts[1] += bytes;
        }
    }

    /**
     * How long a request waited in flow control and how it left. Every outcome but
     * {@link QueueOutcome#REJECTED_CAPACITY} (refused at the door) also takes the request out of the queue gauges
     * that {@link #enqueued} put it in.
     *
     * @param fairnessId the flow's id as flow control keys it (legacy label); null for the default flow
     */
    @Override
    public void queueOutcome(InferenceRequest request, String fairnessId, int priority, QueueOutcome outcome,
            long nanos, long bytes) {
        if (registry == null) {
            return;
        }
        RequestKey key = requestKey(request, priority);
        String outcomeLabel = outcome.label();
        queueDurations.computeIfAbsent(List.of(key, outcomeLabel), k -> Timer.builder(FC_QUEUE_DURATION)
                .tags("fairness_id", key.fairness(), "priority", key.priority(), "outcome", outcomeLabel,
                        "inference_pool", poolName, "model_name", key.model(), "target_model_name", key.target())
                .serviceLevelObjectives(QUEUE_BUCKETS)
                .description("Time requests spent in the flow control queue, by outcome").register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        String p = key.priority();
        flowOutcomes.computeIfAbsent(List.of(outcomeLabel, p), k -> Counter.builder(FC_REQUESTS)
                .tags("outcome", outcomeLabel, "priority", p, "inference_pool", poolName)
                .description("Requests that left flow control, by outcome").register(registry)).increment();
        if (legacy) {
            String flow = fairnessIds.value(fairnessId == null || fairnessId.isEmpty() ? DEFAULT_FAIRNESS_ID
                    : fairnessId);
            queueDurations.computeIfAbsent(List.of("legacy", flow, p, outcomeLabel),
                    k -> Timer.builder(LEGACY_FC_QUEUE_DURATION)
                            .tags("fairness_id", flow, "priority", p, "outcome", outcomeLabel, "inference_pool",
                                    poolName)
                            .serviceLevelObjectives(QUEUE_BUCKETS)
                            .description("Time requests spent in the flow control queue, by outcome")
                            .register(registry))
                    .record(nanos, TimeUnit.NANOSECONDS);
        }
        if (outcome != QueueOutcome.REJECTED_CAPACITY) {
            long[] counts = queued.get(key);
            if (counts != null) {
                synchronized (counts) {
                    counts[0] = Math.max(0, counts[0] - 1);
                    counts[1] = Math.max(0, counts[1] - bytes);
                }
            }
        }
    }

    /** The pool saturation just computed (admission or a dispatch cycle). */
    @Override
    public void saturation(double value) {
        this.saturation = value;
    }

    /**
     * Registers the legacy per-band flow-control queue gauges ({@code inference_extension_flow_control_queue_*}
     * by priority). The canonical {@code llm_d_epp_flow_control_queue_*} gauges are per flow and model, kept by
     * {@link #enqueued} and {@link #queueOutcome}.
     */
    @Override
    public <T> void flowControlBand(int priority, T state, ToDoubleFunction<T> requests, ToDoubleFunction<T> bytes) {
        if (registry == null || !legacy) {
            return;
        }
        Tags tags = Tags.of("inference_pool", poolName, "priority", Integer.toString(priority));
        Gauge.builder(LEGACY_FC_QUEUE_SIZE, state, requests).tags(tags).strongReference(true)
                .description("Requests queued in flow control").register(registry);
        Gauge.builder(LEGACY_FC_QUEUE_BYTES, state, bytes).tags(tags).strongReference(true)
                .description("Bytes queued in flow control").register(registry);
    }

    /** The fairness id a request is accounted under: its header (canonical, then alias), else the default flow. */
    public static String fairnessIdOf(InferenceRequest request) {
        if (request == null) {
            return DEFAULT_FAIRNESS_ID;
        }
        for (String header : FAIRNESS_HEADERS) {
            String v = request.header(header);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return DEFAULT_FAIRNESS_ID;
    }

    private RequestKey requestKey(InferenceRequest request, int priority) {
        String p = Integer.toString(priority);
        if (request == null) {
            return requestSets.admit(new RequestKey("", "", "", p), null, new RequestKey("", "", "", p));
        }
        RequestKey wanted = new RequestKey(models.value(request.model()), models.value(request.targetModel()),
                fairnessIds.value(fairnessIdOf(request)), p);
        return requestSets.admit(wanted, new RequestKey(wanted.model(), wanted.target(), OTHER, p),
                new RequestKey(OTHER, OTHER, OTHER, p));
    }

    private ModelKey legacyKey(InferenceRequest request) {
        if (request == null) {
            return legacySets.admit(new ModelKey("", ""), null, new ModelKey("", ""));
        }
        ModelKey wanted = new ModelKey(models.value(request.model()), models.value(request.targetModel()));
        return legacySets.admit(wanted, null, new ModelKey(OTHER, OTHER));
    }

    private RequestMeters requestMeters(InferenceRequest request, int priority) {
        return requests.computeIfAbsent(requestKey(request, priority), this::newRequestMeters);
    }

    private LegacyMeters legacyMeters(ModelKey key) {
        return legacyModels.computeIfAbsent(key, this::newLegacyMeters);
    }

    private AtomicLong legacyRunning(String model) {
        return legacyRunning.computeIfAbsent(model, m -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(LEGACY_RUNNING, value, AtomicLong::get).tags("model_name", m)
                    .description("Inference objective requests in flight").register(registry);
            return value;
        });
    }

    private long[] registerQueueGauges(RequestKey key) {
        long[] counts = new long[2];
        Tags tags = key.tags().and("inference_pool", poolName);
        Gauge.builder(FC_QUEUE_SIZE, counts, c -> read(c, 0)).tags(tags).strongReference(true)
                .description("Requests held in the flow control queue").register(registry);
        Gauge.builder(FC_QUEUE_BYTES, counts, c -> read(c, 1)).tags(tags).strongReference(true)
                .description("Bytes held in the flow control queue").register(registry);
        return counts;
    }

    private static double read(long[] counts, int i) {
        synchronized (counts) {
            return counts[i];
        }
    }

    private RequestMeters newRequestMeters(RequestKey k) {
        Tags tags = k.tags();
        AtomicLong running = new AtomicLong();
        Gauge.builder(RUNNING, running, AtomicLong::get).tags(tags).description("Requests in flight")
                .register(registry);
        return new RequestMeters(k,
                Counter.builder(REQUEST).tags(tags).description("Requests completed").register(registry),
                Timer.builder(REQUEST_DURATION).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                        .description("End-to-end request latency").register(registry),
                Timer.builder(REQUEST_TTFT).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                        .description("Time to first token").register(registry),
                summary(INPUT_TOKENS, tags, TOKEN_BUCKETS, "Input token counts"),
                summary(OUTPUT_TOKENS, tags, TOKEN_BUCKETS, "Output token counts"),
                summary(CACHED_TOKENS, tags, TOKEN_BUCKETS, "Prompt tokens served from the prefix cache"),
                summary(REQUEST_SIZE, tags, SIZE_BUCKETS, "Request body sizes in bytes"),
                running);
    }

    private LegacyMeters newLegacyMeters(ModelKey k) {
        Tags tags = Tags.of("model_name", k.model(), "target_model_name", k.target());
        return new LegacyMeters(
                Counter.builder(LEGACY_REQUEST).tags(tags).description("Counter of inference objective requests")
                        .register(registry),
                Timer.builder(LEGACY_REQUEST_DURATION).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                        .description("Inference objective response latency").register(registry),
                Timer.builder(LEGACY_REQUEST_TTFT).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                        .description("Inference objective time to first token").register(registry),
                summary(LEGACY_INPUT_TOKENS, tags, TOKEN_BUCKETS, "Input token counts"),
                summary(LEGACY_OUTPUT_TOKENS, tags, TOKEN_BUCKETS, "Output token counts"),
                summary(LEGACY_CACHED_TOKENS, tags, TOKEN_BUCKETS, "Prompt tokens served from the prefix cache"),
                summary(LEGACY_REQUEST_SIZES, tags, SIZE_BUCKETS, "Request sizes in bytes"));
    }

    private static void recordTokens(DistributionSummary in, DistributionSummary out, DistributionSummary cached,
            long promptTokens, long completionTokens, long cachedTokens) {
        if (promptTokens >= 0) {
            in.record(promptTokens);
        }
        if (completionTokens >= 0) {
            out.record(completionTokens);
        }
        if (cachedTokens >= 0) {
            cached.record(cachedTokens);
        }
    }

    private DistributionSummary summary(String name, Tags tags, double[] buckets, String description) {
        return DistributionSummary.builder(name).tags(tags).serviceLevelObjectives(buckets).description(description)
                .register(registry);
    }

    private List<String> names(String canonical, String legacyName) {
        return legacy && legacyName != null ? List.of(canonical, legacyName) : List.of(canonical);
    }

    private void poolGauge(String name, String legacyName, Tags tags, EndpointRegistry endpoints,
            ToDoubleFunction<EndpointMetrics> value, boolean stdDev, String description) {
        for (String n : names(name, legacyName)) {
            Gauge.builder(n, endpoints, r -> stdDev ? stdDev(r.endpoints(), value) : mean(r.endpoints(), value))
                    .tags(tags).strongReference(true).description(description).register(registry);
        }
    }

    static double mean(List<Endpoint> all, ToDoubleFunction<EndpointMetrics> value) {
        if (all.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (Endpoint e : all) {
            sum += value.applyAsDouble(e.metrics());
        }
        return sum / all.size();
    }

    /** Population standard deviation, as llm-d computes it over the pool. */
    static double stdDev(List<Endpoint> all, ToDoubleFunction<EndpointMetrics> value) {
        if (all.isEmpty()) {
            return 0;
        }
        double mean = mean(all, value);
        double squares = 0;
        for (Endpoint e : all) {
            double d = value.applyAsDouble(e.metrics()) - mean;
            squares += d * d;
        }
        return Math.sqrt(squares / all.size());
    }

    /** The pod part of an endpoint name {@code <namespace>/<pod>-rank-<i>}, else the whole name. */
    static String podName(Endpoint e) {
        String n = e.name();
        int slash = n.indexOf('/');
        return slash < 0 ? n : n.substring(slash + 1);
    }

    static String namespaceOf(Endpoint e) {
        String n = e.name();
        int slash = n.indexOf('/');
        return slash < 0 ? "" : n.substring(0, slash);
    }

    static String portOf(Endpoint e) {
        String a = e.address();
        int colon = a.lastIndexOf(':');
        return colon < 0 || a.endsWith("]") ? "" : a.substring(colon + 1);
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return out;
    }

    /** The bounded labels of the per-request families. */
    private record RequestKey(String model, String target, String fairness, String priority) {
        Tags tags() {
            return Tags.of("model_name", model, "target_model_name", target, "fairness_id", fairness, "priority",
                    priority);
        }
    }

    private record ModelKey(String model, String target) {
    }

    private record RequestMeters(RequestKey key, Counter requests, Timer duration, Timer ttft,
            DistributionSummary inputTokens, DistributionSummary outputTokens, DistributionSummary cachedTokens,
            DistributionSummary requestSize, AtomicLong running) {
    }

    private record LegacyMeters(Counter requests, Timer duration, Timer ttft, DistributionSummary inputTokens,
            DistributionSummary outputTokens, DistributionSummary cachedTokens, DistributionSummary requestSizes) {
    }
}
