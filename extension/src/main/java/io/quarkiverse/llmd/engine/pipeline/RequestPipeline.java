package io.quarkiverse.llmd.engine.pipeline;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.DisaggDecision;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.pool.EndpointHealth;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.request.RequestHeaders;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * The request lifecycle of one pool, which every edge drives: the ext_proc endpoint picker, the OpenAI proxy and the
 * cluster simulator (reference scheduler-epp.md 3.1; architecture "request path"). Stages: parse, resolve objective
 * (priority) and fairness id, admit (legacy admission), prepare (the {@link AsyncDataProducer}s' I/O, if the
 * scheduler has any), queue (flow control), schedule, run the pre-request hooks;
 * the returned {@link RoutedRequest} then carries the response side (first byte, usage, end) to a completion that
 * runs exactly once, and hands a {@link RequestRecord} with the request's timestamps to every
 * {@link RequestObserver}. A retry reschedules the parsed request without a second admission
 * ({@link RoutedRequest#retryExcluding}).
 * <p>
 * Plain Java: time comes from the injected clock and {@code nanoTime}, flow control's cycle from an injected
 * {@link FlowTicker}, so the same code runs on a Vert.x event loop and in virtual time. Runs on the caller's thread
 * and takes microseconds: it never blocks. A request whose data is being prepared waits without a thread: the
 * pipeline goes on where the preparation completes (at once, on the caller's thread, when it already has).
 */
public final class RequestPipeline {

    /** Header selecting an InferenceObjective by name (the legacy {@code x-gateway-} name is an alias). */
    public static final String OBJECTIVE_HEADER = RequestHeaders.OBJECTIVE;
    /** The pool name used when none is given. */
    public static final String DEFAULT_POOL = "default";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String pool;
    private final Scheduler scheduler;
    private final Supplier<List<Endpoint>> endpoints;
    private final Admission admission;
    private volatile Map<String, Integer> objectivePriorities;
    private final Clock clock;
    private final OpenAiRequestParser parser = new OpenAiRequestParser();
    private final PipelineMetrics metrics;
    private final LongSupplier nanoTime;
    private final List<DecisionObserver> decisionObservers = new CopyOnWriteArrayList<>();
    private final List<RequestObserver> requestObservers = new CopyOnWriteArrayList<>();
    private final EndpointHealth health = new EndpointHealth();
    /** The scheduler's producers that need I/O, prepared before a request is queued or scheduled. */
    private final List<AsyncDataProducer<?>> asyncProducers;
    private volatile FlowGate flowGate;
    private volatile Supplier<Executor> callerExecutor = () -> null;
    private volatile Supplier<RandomGenerator> random = ThreadLocalRandom::current;
    private volatile ModelRewrites modelRewrites = ModelRewrites.NONE;

    public RequestPipeline(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            Map<String, Integer> objectivePriorities, Clock clock) {
        this(scheduler, registry, admission, objectivePriorities, clock, PipelineMetrics.NOOP, System::nanoTime);
    }

    public RequestPipeline(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            Map<String, Integer> objectivePriorities, Clock clock, PipelineMetrics metrics, LongSupplier nanoTime) {
        this(DEFAULT_POOL, scheduler, registry::endpoints, admission, objectivePriorities, clock, metrics, nanoTime);
    }

    /**
     * @param pool the pool's name, carried into every {@link RequestRecord}
     * @param endpoints the pool's endpoints now (an immutable snapshot per call)
     * @param metrics where requests are recorded ({@link PipelineMetrics#NOOP} for none)
     * @param nanoTime monotonic time for durations and flow-control waits ({@code System::nanoTime}, or virtual time)
     */
    public RequestPipeline(String pool, Scheduler scheduler, Supplier<List<Endpoint>> endpoints, Admission admission,
            Map<String, Integer> objectivePriorities, Clock clock, PipelineMetrics metrics, LongSupplier nanoTime) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.endpoints = endpoints;
        this.admission = admission;
        this.objectivePriorities = Map.copyOf(objectivePriorities);
        this.clock = clock;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.asyncProducers = asyncProducersOf(scheduler);
    }

    @SuppressWarnings("unchecked")
    private static List<AsyncDataProducer<?>> asyncProducersOf(Scheduler scheduler) {
        if (scheduler == null) {
            return List.of();
        }
        List<AsyncDataProducer<?>> found = new ArrayList<>();
        for (AsyncDataProducer<?> p : scheduler.pluginsOf(AsyncDataProducer.class)) {
            if (p.needsPreparation()) {
                found.add(p);
            }
        }
        return List.copyOf(found);
    }

    /**
     * Switches on flow control (the {@code flowControl} feature gate): from now on every request is queued and
     * released by the dispatch cycle; the legacy admission no longer applies. Call once, before serving.
     *
     * @param config the validated {@code flowControl} section
     * @param probe the pool's saturation detector
     * @param ticker runs the dispatch cycle while requests wait
     * @param dispatchInterval period of the cycle
     * @param expiryInterval how often TTLs are checked
     * @param maxDispatchPerCycle most requests one cycle releases
     * @param callerExecutor the caller's context (its event loop) at submission, on which the decision completes;
     *        a supplier returning null completes on the ticker's thread
     */
    public void enableFlowControl(FlowControlConfig config, SaturationProbe probe, FlowTicker ticker,
            java.time.Duration dispatchInterval, java.time.Duration expiryInterval, int maxDispatchPerCycle,
            Supplier<Executor> callerExecutor) {
        this.callerExecutor = callerExecutor == null ? () -> null : callerExecutor;
        this.flowGate = new FlowGate(this, config, probe,
                new FlowGate.Settings(dispatchInterval, expiryInterval, maxDispatchPerCycle), ticker, metrics,
                nanoTime, clock);
    }

    /**
     * Sets where scheduling cycles draw their randomness (tie-breaking pickers): a seeded generator makes a run
     * repeatable, as the cluster simulator needs. The default is {@link ThreadLocalRandom}.
     */
    public void useRandom(Supplier<RandomGenerator> source) {
        this.random = source;
    }

    /**
     * Rewrites the model of requests by name, as an InferenceModelRewrite does: a request for a key is routed (and
     * forwarded) as its value, and the response names the model the client asked for. A rewrite header the route
     * set wins.
     */
    public void useModelRewrites(Map<String, String> rewrites) {
        this.modelRewrites = ModelRewrites.of(rewrites);
    }

    /**
     * Replaces the model rewrites (weighted targets, catch-all rules), at any time: a Kubernetes watch of
     * InferenceModelRewrites calls it when they change. Requests already past rewriting keep theirs.
     */
    public void useModelRewrites(ModelRewrites rewrites) {
        this.modelRewrites = rewrites == null ? ModelRewrites.NONE : rewrites;
    }

    /**
     * Replaces the priorities of objectives by name, at any time: a Kubernetes watch of InferenceObjectives calls it
     * when they change. Requests already admitted keep their priority.
     */
    public void useObjectivePriorities(Map<String, Integer> priorities) {
        this.objectivePriorities = Map.copyOf(priorities);
    }

    /** The priorities of objectives by name now. */
    public Map<String, Integer> objectivePriorities() {
        return objectivePriorities;
    }

    public boolean flowControlEnabled() {
        return flowGate != null;
    }

    /** The flow-control settings in force, or null when flow control is off. */
    public FlowControlConfig flowControlConfig() {
        FlowGate g = flowGate;
        return g == null ? null : g.config();
    }

    /** Requests waiting in flow control. */
    public int flowControlQueueSize() {
        FlowGate g = flowGate;
        return g == null ? 0 : g.queued();
    }

    /**
     * The most requests the pool's saturation detector lets each of {@code endpoints} hold now
     * ({@link io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector#admissionLimit}), in their order;
     * 0 for an endpoint it does not bound, and for all of them when flow control is off.
     */
    public double[] admissionLimits(List<Endpoint> endpoints) {
        FlowGate g = flowGate;
        return g == null ? new double[endpoints.size()] : g.admissionLimits(endpoints);
    }

    /** Runs one flow-control cycle now (expiry, then dispatch); the ticker does this periodically. */
    public void runFlowControlCycle() {
        FlowGate g = flowGate;
        if (g != null) {
            g.cycle();
        }
    }

    public String pool() {
        return pool;
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The pool's endpoints now, schedulable or not. */
    public List<Endpoint> endpoints() {
        return endpoints.get();
    }

    /**
     * Outlier detection and metrics staleness of the pool's endpoints: ejected and unschedulable endpoints are left
     * out of every scheduling cycle; the edges report failures through {@link RoutedRequest}.
     */
    public EndpointHealth health() {
        return health;
    }

    /** The pool's endpoints that may be scheduled now (neither ejected nor with stale metrics). */
    public List<Endpoint> schedulableEndpoints() {
        return health.schedulable(endpoints.get(), nanoTime.getAsLong());
    }

    /**
     * Decides where a request goes.
     *
     * @param path the request path ({@code :path}), which tells the API apart
     * @param headers request headers, lower-case names
     * @param body the complete request body
     * @param subsetHint addresses the proxy allows ({@code x-gateway-destination-endpoint-subset}), or null when it
     *        sent no hint; matched by IP only, as llm-d does
     */
    public CompletionStage<Decision> decide(String path, Map<String, String> headers, byte[] body,
            List<String> subsetHint) {
        return submit(path, headers, body, subsetHint);
    }

    /**
     * Like {@link #decide} but returns the {@link PendingDecision}, through which the edge can {@link
     * PendingDecision#cancel() cancel} a request still waiting in flow control when its client goes away. Without
     * flow control the decision is complete on return.
     */
    public PendingDecision submit(String path, Map<String, String> headers, byte[] body, List<String> subsetHint) {
        long received = nanoTime.getAsLong();
        InferenceRequest request;
        try {
            request = parser.parse(path, headers, body);
        } catch (InvalidRequestException e) {
            return PendingDecision.completed(rejected(null, 0, Decision.Rejected.badRequest(e.getMessage())));
        }
        return submit(request, body, headers, subsetHint, received);
    }

    /**
     * The pipeline after parsing, for a caller that parsed the body already (to choose the pool by model) or has no
     * body at all (an ext_proc request that ends with its headers).
     *
     * @param request the parsed request
     * @param body the body as received (re-encoded here when the model was rewritten)
     * @param headers request headers, lower-case names
     * @param receivedNanos when the request arrived, on this pipeline's monotonic clock
     */
    public PendingDecision submit(InferenceRequest request, byte[] body, Map<String, String> headers,
            List<String> subsetHint, long receivedNanos) {
        if (request.targetModel().equals(request.model())) {
            String target = modelRewrites.targetFor(request.model(), random.get());
            if (target != null) {
                request = request.withTargetModel(target);
            }
        }
        byte[] forwardBody = body.length == 0 || request.targetModel().equals(request.model()) ? body
                : rewriteModel(body, request.targetModel());
        int priority = priorityOf(RequestHeaders.get(headers, RequestHeaders.OBJECTIVE));
        String fairnessId = RequestHeaders.get(headers, RequestHeaders.FAIRNESS_ID);
        FlowGate gate = flowGate;
        boolean prepare = !asyncProducers.isEmpty();
        if (gate == null && !prepare) {
            return PendingDecision.completed(decideNow(request, forwardBody, priority, fairnessId, subsetHint,
                    receivedNanos, true, PreparedData.NONE));
        }
        PendingDecision pending;
        if (gate == null) {
            // Refuse what is refused anyway before paying for the preparation; after it, schedule without admission.
            List<Endpoint> candidates = candidates(subsetHint);
            if (candidates.isEmpty()) {
                return PendingDecision.completed(rejected(request, priority, noCandidates(subsetHint)));
            }
            Decision.Rejected refused = admission.admit(newContext(request), candidates, priority);
            if (refused != null) {
                return PendingDecision.completed(rejected(request, priority, refused));
            }
            pending = new PendingDecision(request, forwardBody, priority, fairnessId, subsetHint, receivedNanos, null);
        } else {
            // Nothing to wait for when no endpoint could ever take the request: a hint naming no endpoint of the
            // pool. An empty pool is different: the request waits (until its TTL) for the first endpoint to arrive.
            if (subsetHint != null && candidates(subsetHint).isEmpty() && !endpoints().isEmpty()) {
                return PendingDecision.completed(rejected(request, priority, noCandidates(subsetHint)));
            }
            pending = new PendingDecision(request, forwardBody, priority, fairnessId, subsetHint, receivedNanos,
                    callerExecutor.get());
            if (!prepare) {
                gate.submit(pending, fairnessId);
                return pending;
            }
        }
        pending.startPreparing(this);
        if (gate != null) {
            gate.preparing(pending); // the request's TTL runs from its arrival, preparation included
        }
        PreparedData.start(asyncProducers, request, forwardBody, data -> prepared(pending, data));
        return pending;
    }

    /**
     * Schedules {@code request} as {@link #submit} would, and commits nothing: no admission, flow control or
     * preparation, no pre-request or response hooks (so no in-flight count or prefix-index entry), no metrics, no
     * observers. The result carries the decision the edge would send (destination, body, headers) for a warm-up of
     * the code paths a real request takes; its response side does nothing. A pool without schedulable endpoints
     * rehearses on {@link #REHEARSAL_ENDPOINTS}, addresses from TEST-NET-1 that nothing ever connects to.
     */
    public Decision rehearse(InferenceRequest request, byte[] body, List<String> subsetHint, long receivedNanos) {
        List<Endpoint> candidates = candidates(subsetHint);
        if (candidates.isEmpty()) {
            candidates = REHEARSAL_ENDPOINTS;
        }
        SchedulingContext context = newContext(request);
        SchedulingResult result = scheduler.schedule(context, candidates);
        if (!result.succeeded()) {
            return Decision.Rejected.exhausted("failed to find a candidate endpoint for the request",
                    Decision.Rejected.SATURATED);
        }
        return RoutedRequest.rehearsal(this, context, result, body, receivedNanos);
    }

    /** Stand-in endpoints of a rehearsal in a pool that has none yet (RFC 5737 documentation addresses). */
    static final List<Endpoint> REHEARSAL_ENDPOINTS = List.of(
            new Endpoint("rehearsal-1", "192.0.2.1:8000", Map.of(), EndpointMetrics.NONE, null),
            new Endpoint("rehearsal-2", "192.0.2.2:8000", Map.of(), EndpointMetrics.NONE, null),
            new Endpoint("rehearsal-3", "192.0.2.3:8000", Map.of(), EndpointMetrics.NONE, null),
            new Endpoint("rehearsal-4", "192.0.2.4:8000", Map.of(), EndpointMetrics.NONE, null));

    /** The preparation of a request completed: queue or schedule it, unless it was cancelled or expired meanwhile. */
    private void prepared(PendingDecision pending, PreparedData data) {
        if (!pending.finishPreparation()) {
            return; // already answered, exactly once, by the cancellation or the expiry
        }
        pending.prepared = data;
        FlowGate gate = flowGate;
        try {
            if (gate != null) {
                gate.prepared(pending);
            } else {
                pending.finish(decideNow(pending.request, pending.forwardBody, pending.priority, pending.fairnessId,
                        pending.subsetHint, pending.receivedNanos, false, data));
            }
        } catch (RuntimeException e) {
            System.getLogger(RequestPipeline.class.getName()).log(System.Logger.Level.ERROR,
                    "scheduling a prepared request failed", e);
            pending.finish(rejected(pending.request, pending.priority,
                    Decision.Rejected.internal("scheduling failed: " + e)));
        }
    }

    /** The client went away while the request was being prepared ({@link PendingDecision#cancel()} won the race). */
    void cancelledWhilePreparing(PendingDecision pending) {
        FlowGate gate = flowGate;
        if (gate != null) {
            gate.cancelledWhilePreparing(pending);
        } else {
            pending.finish(rejected(pending.request, pending.priority, Decision.Rejected.cancelled(
                    "request cancelled while its data was being prepared")));
        }
    }

    /** The parser this pipeline uses (stateless and thread-safe). */
    public OpenAiRequestParser parser() {
        return parser;
    }

    /** Schedules a request flow control released: fresh candidates, no further admission. */
    Decision route(PendingDecision pending) {
        return decideNow(pending.request, pending.forwardBody, pending.priority, pending.fairnessId,
                pending.subsetHint, pending.receivedNanos, false, pending.prepared);
    }

    /**
     * Adds an observer of scheduling cycles (the Dev UI's decision log, a dashboard, a test). Any number may watch;
     * each gets every cycle.
     *
     * @return removes the observer again
     */
    public Runnable observe(DecisionObserver observer) {
        decisionObservers.add(observer);
        return () -> decisionObservers.remove(observer);
    }

    /**
     * Adds an observer of completed requests (metrics, the latency predictor, the autoscaler, a dashboard).
     *
     * @return removes the observer again
     */
    public Runnable observeRequests(RequestObserver observer) {
        requestObservers.add(observer);
        return () -> requestObservers.remove(observer);
    }

    /** The synchronous pipeline: admission (unless flow control already admitted), scheduling, pre-request. */
    private Decision decideNow(InferenceRequest request, byte[] forwardBody, int priority, String fairnessId,
            List<String> subsetHint, long received, boolean admit, PreparedData prepared) {
        List<Endpoint> candidates = candidates(subsetHint);
        if (candidates.isEmpty()) {
            return rejected(request, priority, noCandidates(subsetHint));
        }
        SchedulingContext context = newContext(request, prepared);
        if (admit) {
            Decision.Rejected refused = admission.admit(context, candidates, priority);
            if (refused != null) {
                return rejected(request, priority, refused);
            }
        }
        SchedulingResult result = schedule(context, candidates);
        if (result == null) {
            return rejected(request, priority, Decision.Rejected.exhausted("failed to find a candidate endpoint for the request",
                    Decision.Rejected.SATURATED));
        }
        DisaggDecision disagg = context.get(DisaggDecision.KEY);
        metrics.routed(request, priority, forwardBody.length,
                disagg == null ? null : disagg.label());
        return new RoutedRequest(this, context, prepared, result, forwardBody, priority, fairnessId, received,
                nanoTime.getAsLong());
    }

    /**
     * One scheduling cycle over {@code candidates}, observed and measured; on success the pre-request hooks have run.
     *
     * @return the result, or null when no profile found an endpoint
     */
    SchedulingResult schedule(SchedulingContext context, List<Endpoint> candidates) {
        List<DecisionObserver> watching = decisionObservers;
        if (!watching.isEmpty()) {
            context.trace(traceOf(watching));
        }
        long start = nanoTime.getAsLong();
        SchedulingResult result = scheduler.schedule(context, candidates);
        long took = nanoTime.getAsLong() - start;
        for (DecisionObserver o : watching) {
            o.decided(context, result);
        }
        InferenceRequest request = context.request();
        if (!result.succeeded()) {
            metrics.schedulingAttempt(took, false, request.targetModel(), null);
            return null;
        }
        metrics.schedulingAttempt(took, true, request.targetModel(), result.primary().primary());
        scheduler.preRequest(context, result);
        return result;
    }

    private static DecisionTrace traceOf(List<DecisionObserver> observers) {
        DecisionTrace combined = null;
        for (DecisionObserver o : observers) {
            DecisionTrace t = o.trace();
            if (t != null) {
                combined = combined == null ? t : DecisionTraces.both(combined, t);
            }
        }
        return combined;
    }

    /** A retry's candidates: the pool minus the endpoints that failed (by name, so pods sharing an IP stay apart). */
    List<Endpoint> candidatesExcluding(List<String> subsetHint, Set<String> excludedNames) {
        List<Endpoint> all = candidates(subsetHint);
        List<Endpoint> kept = new ArrayList<>(all.size());
        for (Endpoint e : all) {
            if (!excludedNames.contains(e.name())) {
                kept.add(e);
            }
        }
        return kept;
    }

    SchedulingContext newContext(InferenceRequest request) {
        return new SchedulingContext(request, clock.instant(), random.get());
    }

    /** A scheduling context holding what was prepared for the request. */
    SchedulingContext newContext(InferenceRequest request, PreparedData prepared) {
        SchedulingContext context = newContext(request);
        prepared.applyTo(context);
        return context;
    }

    /** Whether requests of this pipeline go through a preparation step (the scheduler has an async producer). */
    public boolean prepares() {
        return !asyncProducers.isEmpty();
    }

    /** Now, on this pipeline's monotonic clock. */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /** Hands a finished request to every observer; an observer that throws does not stop the others. */
    void completed(RequestRecord record, InferenceRequest request) {
        metrics.completed(request, record.priority(), record.lastTokenNanos() - record.receivedNanos(),
                record.promptTokens(), record.completionTokens(), record.cachedTokens());
        for (RequestObserver o : requestObservers) {
            try {
                o.completed(record);
            } catch (RuntimeException e) {
                System.getLogger(RequestPipeline.class.getName()).log(System.Logger.Level.WARNING,
                        "request observer " + o + " failed", e);
            }
        }
    }

    void firstToken(InferenceRequest request, int priority, long nanosSinceReceived) {
        metrics.firstChunk(request, priority, nanosSinceReceived);
    }

    private static Decision.Rejected noCandidates(List<String> subsetHint) {
        return subsetHint == null ? Decision.Rejected.noEndpoints("no endpoints available in the pool")
                : Decision.Rejected.noCandidates("no endpoint of the pool matches the subset hint " + subsetHint);
    }

    Decision.Rejected rejected(InferenceRequest request, int priority, Decision.Rejected rejected) {
        metrics.requestError(request, priority, rejected.code());
        for (RequestObserver o : requestObservers) {
            try {
                o.rejected(pool, request, rejected);
            } catch (RuntimeException e) {
                System.getLogger(RequestPipeline.class.getName()).log(System.Logger.Level.WARNING,
                        "request observer " + o + " failed", e);
            }
        }
        return rejected;
    }

    /** Priority of the named objective: 0 when absent or unknown, as llm-d treats them. */
    public int priorityOf(String objective) {
        if (objective == null) {
            return 0;
        }
        Integer priority = objectivePriorities.get(objective);
        return priority == null ? 0 : priority;
    }

    /**
     * The endpoints a request may go to: the schedulable part of the pool, or those of it whose IP is in the subset
     * hint (matched by IP only, as llm-d does); null hint means no hint.
     */
    public List<Endpoint> candidates(List<String> subsetHint) {
        List<Endpoint> all = schedulableEndpoints();
        if (subsetHint == null) {
            return all;
        }
        List<EndpointAddress> hints = new ArrayList<>(subsetHint.size());
        for (String h : subsetHint) {
            EndpointAddress.tryParse(h).ifPresent(hints::add);
        }
        List<Endpoint> matching = new ArrayList<>(Math.min(all.size(), hints.size()));
        for (Endpoint e : all) {
            String host = e.parsedAddress().host();
            for (EndpointAddress hint : hints) {
                if (host.equals(hint.host())) {
                    matching.add(e);
                    break;
                }
            }
        }
        return matching;
    }

    /** Replaces the body's {@code model} with the rewrite target; key order is not preserved, as in llm-d. */
    private static byte[] rewriteModel(byte[] body, String targetModel) {
        try {
            JsonNode tree = JSON.readTree(body);
            ((ObjectNode) tree).put("model", targetModel);
            return JSON.writeValueAsBytes(tree);
        } catch (java.io.IOException | ClassCastException e) {
            return body; // the parser accepted it, so this cannot happen; forwarding unchanged is the safe fallback
        }
    }
}
