package io.quarkiverse.llmd.runtime.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;

/**
 * The EPP's Prometheus meters under llm-d's names (reference scheduler-epp.md 7.2). Micrometer names are chosen so
 * that the Prometheus registry exposes exactly llm-d's names: counters get {@code _total} appended and timers
 * {@code _seconds}, so they are registered without those suffixes. The director and the routed-request lifecycle
 * record into it; the edges (ext_proc, proxy) need no metrics code.
 * <p>
 * Meters with per-request labels are cached per label set, so recording costs a map lookup, not a registration.
 */
public final class EppMetrics implements PipelineMetrics {

    // Micrometer name -> exposed Prometheus name in the comment.
    static final String REQUEST = "inference_objective_request"; // _total
    static final String REQUEST_ERROR = "inference_objective_request_error"; // _total
    static final String REQUEST_DURATION = "inference_objective_request_duration"; // _seconds
    static final String REQUEST_TTFT = "inference_objective_request_ttft"; // _seconds
    static final String REQUEST_SIZES = "inference_objective_request_sizes";
    static final String INPUT_TOKENS = "inference_objective_input_tokens";
    static final String OUTPUT_TOKENS = "inference_objective_output_tokens";
    static final String CACHED_TOKENS = "inference_objective_prompt_cached_tokens";
    static final String RUNNING = "inference_objective_running_requests";
    static final String POOL_KV = "inference_pool_average_kv_cache_utilization";
    static final String POOL_QUEUE = "inference_pool_average_queue_size";
    static final String POOL_RUNNING = "inference_pool_average_running_requests";
    static final String POOL_READY = "inference_pool_ready_pods";
    static final String POOL_PER_POD_QUEUE = "inference_pool_per_pod_queue_size";
    static final String SCHEDULER_E2E = "inference_extension_scheduler_e2e_duration"; // _seconds
    static final String SCHEDULER_ATTEMPTS = "inference_extension_scheduler_attempts"; // _total
    static final String FC_QUEUE_SIZE = "inference_extension_flow_control_queue_size";
    static final String FC_QUEUE_BYTES = "inference_extension_flow_control_queue_bytes";
    static final String FC_SATURATION = "inference_extension_flow_control_pool_saturation";
    static final String FC_QUEUE_DURATION = "inference_extension_flow_control_request_queue_duration"; // _seconds
    static final String DISAGG = "llm_d_inference_scheduler_disagg_decision"; // _total

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

    /** Records nothing: for directors built without a registry (benchmarks, plain unit tests). */
    public static final EppMetrics NOOP = new EppMetrics();

    private final MeterRegistry registry;
    private final String poolName;
    private final Map<ModelKey, ModelMeters> models = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> errors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> running = new ConcurrentHashMap<>();
    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<String, Counter> disagg = new ConcurrentHashMap<>();
    private final Map<List<String>, Timer> queueDurations = new ConcurrentHashMap<>();
    private final Timer schedulerE2e;
    private final MultiGauge perPodQueue;
    private volatile double saturation;

    private EppMetrics() {
        this.registry = null;
        this.poolName = "";
        this.schedulerE2e = null;
        this.perPodQueue = null;
    }

    /**
     * @param poolName the {@code name} / {@code inference_pool} label of pool-level meters
     * @param endpoints the pool, read by the pool gauges when scraped
     */
    public EppMetrics(MeterRegistry registry, String poolName, EndpointRegistry endpoints) {
        this.registry = registry;
        this.poolName = poolName;
        Tags pool = Tags.of("name", poolName);
        poolGauge(POOL_KV, pool, endpoints, m -> m.kvCacheUsage(), "Average KV cache utilization of the pool");
        poolGauge(POOL_QUEUE, pool, endpoints, m -> m.waitingQueueSize(), "Average waiting queue size of the pool");
        poolGauge(POOL_RUNNING, pool, endpoints, m -> m.runningRequestsSize(),
                "Average running requests of the pool");
        Gauge.builder(POOL_READY, endpoints, r -> r.endpoints().size()).tags(pool).strongReference(true)
                .description("Number of ready pods in the pool").register(registry);
        this.perPodQueue = MultiGauge.builder(POOL_PER_POD_QUEUE).description("Waiting queue size of each pod")
                .register(registry);
        this.schedulerE2e = Timer.builder(SCHEDULER_E2E).serviceLevelObjectives(SCHEDULER_BUCKETS)
                .description("End-to-end scheduling latency").register(registry);
        Gauge.builder(FC_SATURATION, this, m -> m.saturation).tags("inference_pool", poolName).strongReference(true)
                .description("Last pool saturation computed for admission and flow control").register(registry);
    }

    @Override
    public boolean enabled() {
        return registry != null;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String poolName() {
        return poolName;
    }

    /** Publishes the per-pod queue sizes; the pool's membership changes, so rows are replaced as a whole. */
    public void refreshPerPod(EndpointRegistry endpoints) {
        if (registry == null) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Endpoint e : endpoints.endpoints()) {
            rows.add(MultiGauge.Row.of(Tags.of("name", poolName, "model_server_pod", podName(e)),
                    e.metrics().waitingQueueSize()));
        }
        perPodQueue.register(rows, true);
    }

    /** A request refused before or instead of reaching a model server. */
    @Override
    public void requestError(String model, String targetModel, String errorCode) {
        if (registry == null) {
            return;
        }
        List<String> key = List.of(nz(model), nz(targetModel), errorCode);
        errors.computeIfAbsent(key, k -> Counter.builder(REQUEST_ERROR)
                .tags("model_name", k.get(0), "target_model_name", k.get(1), "error_code", k.get(2))
                .description("Counter of inference objective requests that failed").register(registry)).increment();
    }

    /** One scheduling cycle: its latency and whether it found an endpoint. */
    @Override
    public void schedulingAttempt(long nanos, boolean success, String targetModel, Endpoint primary) {
        if (registry == null) {
            return;
        }
        schedulerE2e.record(nanos, TimeUnit.NANOSECONDS);
        String pod = primary == null ? "" : podName(primary);
        String namespace = primary == null ? "" : namespaceOf(primary);
        String port = primary == null ? "" : portOf(primary);
        String status = success ? "success" : "failure";
        String key = status + '\0' + nz(targetModel) + '\0' + pod + '\0' + namespace + '\0' + port;
        attempts.computeIfAbsent(key, k -> Counter.builder(SCHEDULER_ATTEMPTS)
                .tags("status", status, "target_model_name", nz(targetModel), "pod_name", pod, "namespace", namespace,
                        "port", port)
                .description("Scheduling attempts by outcome").register(registry)).increment();
    }

    /** A request was placed and is about to be forwarded. */
    @Override
    public void routed(String model, String targetModel, long requestBytes, String disaggDecision) {
        if (registry == null) {
            return;
        }
        model(model, targetModel).requestSizes.record(requestBytes);
        runningCounter(model).incrementAndGet();
        if (disaggDecision != null) {
            disagg.computeIfAbsent(disaggDecision, d -> Counter.builder(DISAGG).tags("decision_type", d)
                    .description("Disaggregation decisions by type").register(registry)).increment();
        }
    }

    /** The first response chunk came, {@code nanos} after the request was received. */
    @Override
    public void firstChunk(String model, String targetModel, long nanos) {
        if (registry == null) {
            return;
        }
        model(model, targetModel).ttft.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A routed request ended, {@code nanos} after it was received. */
    @Override
    public void completed(String model, String targetModel, long nanos, long promptTokens, long completionTokens,
            long cachedTokens) {
        if (registry == null) {
            return;
        }
        ModelMeters m = model(model, targetModel);
        m.requests.increment();
        m.duration.record(nanos, TimeUnit.NANOSECONDS);
        if (promptTokens >= 0) {
            m.inputTokens.record(promptTokens);
        }
        if (completionTokens >= 0) {
            m.outputTokens.record(completionTokens);
        }
        if (cachedTokens >= 0) {
            m.cachedTokens.record(cachedTokens);
        }
        runningCounter(model).decrementAndGet();
    }

    /** How long a request waited in flow control and how it left. */
    @Override
    public void queueOutcome(String fairnessId, int priority, QueueOutcome outcome, long nanos) {
        if (registry == null) {
            return;
        }
        List<String> key = List.of(fairnessId, Integer.toString(priority), outcome.label());
        queueDurations.computeIfAbsent(key, k -> Timer.builder(FC_QUEUE_DURATION)
                .tags("fairness_id", k.get(0), "priority", k.get(1), "outcome", k.get(2), "inference_pool", poolName)
                .serviceLevelObjectives(QUEUE_BUCKETS)
                .description("Time requests spent in the flow control queue, by outcome").register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The pool saturation just computed (admission or a dispatch cycle). */
    @Override
    public void saturation(double value) {
        this.saturation = value;
    }

    /** Registers the flow-control queue gauges of one priority band. */
    @Override
    public <T> void flowControlBand(int priority, T state, ToDoubleFunction<T> requests, ToDoubleFunction<T> bytes) {
        if (registry == null) {
            return;
        }
        Tags tags = Tags.of("inference_pool", poolName, "priority", Integer.toString(priority));
        Gauge.builder(FC_QUEUE_SIZE, state, requests).tags(tags).strongReference(true).description("Requests queued in flow control")
                .register(registry);
        Gauge.builder(FC_QUEUE_BYTES, state, bytes).tags(tags).strongReference(true).description("Bytes queued in flow control")
                .register(registry);
    }

    private ModelMeters model(String model, String targetModel) {
        return models.computeIfAbsent(new ModelKey(nz(model), nz(targetModel)), this::newModelMeters);
    }

    private AtomicLong runningCounter(String model) {
        return running.computeIfAbsent(nz(model), m -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(RUNNING, value, AtomicLong::get).tags("model_name", m)
                    .description("Inference objective requests in flight").register(registry);
            return value;
        });
    }

    private ModelMeters newModelMeters(ModelKey k) {
        Tags tags = Tags.of("model_name", k.model(), "target_model_name", k.target());
        return new ModelMeters(
                Counter.builder(REQUEST).tags(tags).description("Counter of inference objective requests")
                        .register(registry),
                Timer.builder(REQUEST_DURATION).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                        .description("Inference objective response latency").register(registry),
                Timer.builder(REQUEST_TTFT).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                        .description("Inference objective time to first token").register(registry),
                summary(INPUT_TOKENS, tags, TOKEN_BUCKETS, "Input token counts"),
                summary(OUTPUT_TOKENS, tags, TOKEN_BUCKETS, "Output token counts"),
                summary(CACHED_TOKENS, tags, TOKEN_BUCKETS, "Prompt tokens served from the prefix cache"),
                summary(REQUEST_SIZES, tags, SIZE_BUCKETS, "Request sizes in bytes"));
    }

    private DistributionSummary summary(String name, Tags tags, double[] buckets, String description) {
        return DistributionSummary.builder(name).tags(tags).serviceLevelObjectives(buckets).description(description)
                .register(registry);
    }

    private void poolGauge(String name, Tags tags, EndpointRegistry endpoints,
            ToDoubleFunction<EndpointMetrics> value, String description) {
        Gauge.builder(name, endpoints, r -> {
            List<Endpoint> all = r.endpoints();
            if (all.isEmpty()) {
                return 0;
            }
            double sum = 0;
            for (Endpoint e : all) {
                sum += value.applyAsDouble(e.metrics());
            }
            return sum / all.size();
        }).tags(tags).strongReference(true).description(description).register(registry);
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

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return out;
    }

    private record ModelKey(String model, String target) {
    }

    private record ModelMeters(Counter requests, Timer duration, Timer ttft, DistributionSummary inputTokens,
            DistributionSummary outputTokens, DistributionSummary cachedTokens, DistributionSummary requestSizes) {
    }
}
