package io.quarkiverse.llmd.engine.pipeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.pool.EndpointHealth;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * A request the pipeline placed, and the handle through which the edge (ext_proc, proxy or the cluster simulator)
 * reports the response side: {@link #responseStarted}, {@link #firstChunk}, and {@link #complete}, which runs
 * exactly once however often it is called, so every exit path (success, upstream failure, client disconnect) can
 * call it safely. Completion runs the scheduler's response hooks, records the metrics and hands a
 * {@link RequestRecord} to the pipeline's observers.
 * <p>
 * An edge that could not reach the chosen endpoint before any byte went to the client asks for another with
 * {@link #retryExcluding}: the same parsed request is scheduled again over the pool minus the endpoints that failed
 * (by endpoint name, so two pods on one IP stay apart), without a second admission.
 * <p>
 * Thread-safety: the response-side calls may come from different threads, but an edge makes them in order.
 */
public final class RoutedRequest implements Decision {

    private final RequestPipeline pipeline;
    /** What was prepared for the request, put into every retry's context as into the first. */
    private final PreparedData prepared;
    private final byte[] body;
    private final int priority;
    private final String fairnessId;
    private final long receivedNanos;
    private final long dispatchedNanos;
    /** A rehearsal (see {@link RequestPipeline#rehearse}): no hooks ran, and the response side reports nothing. */
    private final boolean rehearsal;
    private final Set<String> failed = new HashSet<>(2);
    private volatile SchedulingContext context;
    private volatile SchedulingResult result;
    private volatile Endpoint served;
    /** Whether the current attempt's pre-request hooks ran and its response hooks have not yet. */
    private boolean attemptOpen;
    private boolean started;
    private long firstTokenNanos = -1;
    private boolean completed;
    private int attempts = 1;

    RoutedRequest(RequestPipeline pipeline, SchedulingContext context, PreparedData prepared, SchedulingResult result,
            byte[] body, int priority, String fairnessId, long receivedNanos, long dispatchedNanos) {
        this(pipeline, context, prepared, result, body, priority, fairnessId, receivedNanos, dispatchedNanos, false);
    }

    private RoutedRequest(RequestPipeline pipeline, SchedulingContext context, PreparedData prepared,
            SchedulingResult result, byte[] body, int priority, String fairnessId, long receivedNanos,
            long dispatchedNanos, boolean rehearsal) {
        this.rehearsal = rehearsal;
        this.attemptOpen = !rehearsal;
        this.pipeline = pipeline;
        this.prepared = prepared;
        this.context = context;
        this.result = result;
        this.body = body;
        this.priority = priority;
        this.fairnessId = fairnessId;
        this.receivedNanos = receivedNanos;
        this.dispatchedNanos = dispatchedNanos;
        this.served = result.primary().primary();
    }

    /** A decision made without its hooks, whose response side does nothing (see {@link RequestPipeline#rehearse}). */
    static RoutedRequest rehearsal(RequestPipeline pipeline, SchedulingContext context, SchedulingResult result,
            byte[] body, long receivedNanos) {
        return new RoutedRequest(pipeline, context, PreparedData.NONE, result, body, 0, null, receivedNanos,
                receivedNanos, true);
    }

    /** Whether this is a rehearsal: nothing was counted or held for it, and nothing will be. */
    public boolean isRehearsal() {
        return rehearsal;
    }

    public InferenceRequest request() {
        return context.request();
    }

    /** The context of the current attempt. */
    public SchedulingContext context() {
        return context;
    }

    /** The scheduling result of the current attempt. */
    public SchedulingResult result() {
        return result;
    }

    public int priority() {
        return priority;
    }

    /** The fairness id the request carried, or null. */
    public String fairnessId() {
        return fairnessId;
    }

    /** The pool that routed the request. */
    public String pool() {
        return pipeline.pool();
    }

    /** The primary target followed by its fallbacks, best first, minus endpoints that already failed. */
    public List<Endpoint> targets() {
        List<ScoredEndpoint> scored = result.targets();
        List<Endpoint> targets = new ArrayList<>(scored.size());
        synchronized (this) {
            for (ScoredEndpoint s : scored) {
                if (!failed.contains(s.endpoint().name())) {
                    targets.add(s.endpoint());
                }
            }
        }
        return targets;
    }

    /** The value of {@code x-gateway-destination-endpoint}: comma-separated {@code ip:port}, primary first. */
    public String destinationHeader() {
        var targets = result.targets();
        if (targets.size() == 1) {
            return targets.get(0).endpoint().address();
        }
        StringBuilder sb = new StringBuilder();
        for (var scored : targets) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(scored.endpoint().address());
        }
        return sb.toString();
    }

    /** The body to forward: the client's, or re-encoded with the target model when it was rewritten. */
    public byte[] body() {
        return body;
    }

    /** Headers the pre-request hooks want set on the forwarded request (for instance {@code x-prefiller-host-port}). */
    public Map<String, String> addedHeaders() {
        return context.addedHeaders();
    }

    /** The endpoint that actually answered (a proxy may have used a fallback); the primary until told otherwise. */
    public Endpoint served() {
        return served;
    }

    /** How many endpoints have been tried. */
    public synchronized int attempts() {
        return attempts;
    }

    /**
     * The edge is about to try {@code endpoint}, one of {@link #targets()} (the picker's fallback list), before any
     * byte reached the client. Marks the current endpoint as failed.
     */
    public synchronized void failedOver(Endpoint endpoint) {
        failed.add(served.name());
        served = endpoint;
        attempts++;
    }

    /**
     * Schedules the request again after the endpoint it was sent to failed before any byte reached the client: the
     * current attempt ends (its response hooks run with a failure), then the same parsed request is scheduled over
     * the pool minus every endpoint that failed, without a second admission.
     *
     * @param failedEndpoint the endpoint that could not serve it (normally {@link #served()})
     * @return true with a new placement ({@link #targets()}, {@link #served()}, {@link #addedHeaders()} updated), false
     *         when no other endpoint can take it; the request then still needs {@link #complete}
     */
    public boolean retryExcluding(Endpoint failedEndpoint) {
        Set<String> exclude;
        synchronized (this) {
            if (completed || rehearsal) {
                return false;
            }
            failed.add(served.name());
            if (failedEndpoint != null) {
                failed.add(failedEndpoint.name());
            }
            closeAttempt(ResponseOutcome.FAILED);
            exclude = Set.copyOf(failed);
        }
        List<Endpoint> candidates = pipeline.candidatesExcluding(null, exclude);
        if (candidates.isEmpty()) {
            return false;
        }
        SchedulingContext next = pipeline.newContext(context.request(), prepared);
        SchedulingResult placed = pipeline.schedule(next, candidates);
        if (placed == null) {
            return false;
        }
        synchronized (this) {
            if (completed) { // the client left while we scheduled: undo the new attempt's hooks
                pipeline.scheduler().responseComplete(next, placed.primary().primary(), ResponseOutcome.FAILED);
                return false;
            }
            context = next;
            result = placed;
            served = placed.primary().primary();
            attemptOpen = true;
            started = false;
            attempts++;
        }
        return true;
    }

    /**
     * An exchange with {@code endpoint} failed before its response head (connect error, reset, time-to-first-byte
     * timeout) or with a 5xx head the edge will not relay: counts towards the endpoint's ejection. Call before
     * {@link #retryExcluding} or {@link #failedOver}.
     */
    public void upstreamFailed(Endpoint endpoint, EndpointHealth.Failure kind) {
        if (rehearsal) {
            return;
        }
        Endpoint e = endpoint != null ? endpoint : served;
        pipeline.health().failure(e.name(), kind, pipeline.endpoints(), pipeline.nanoTime());
    }

    /**
     * Response headers with {@code status} arrived from {@code endpoint} (null keeps the current one): a 5xx counts
     * towards the endpoint's ejection, anything else clears its failure count.
     */
    public void responseStarted(Endpoint endpoint, int status) {
        responseStarted(endpoint);
        Endpoint e = served;
        if (rehearsal) {
            return;
        }
        if (status >= 500) {
            pipeline.health().failure(e.name(), EndpointHealth.Failure.SERVER_ERROR, pipeline.endpoints(),
                    pipeline.nanoTime());
        } else if (status > 0) {
            pipeline.health().success(e.name(), pipeline.nanoTime());
        }
    }

    /** Response headers arrived from {@code endpoint} (null keeps the current one). */
    public void responseStarted(Endpoint endpoint) {
        boolean first;
        synchronized (this) {
            if (endpoint != null) {
                served = endpoint;
            }
            first = !started && attemptOpen;
            started = true;
        }
        if (first) {
            pipeline.scheduler().responseStarted(context, served);
        }
    }

    /** The first body chunk arrived. */
    public void firstChunk() {
        if (rehearsal) {
            return;
        }
        long now = pipeline.nanoTime();
        synchronized (this) {
            if (firstTokenNanos >= 0 || !attemptOpen) {
                return;
            }
            firstTokenNanos = now;
        }
        pipeline.firstToken(request(), priority, now - receivedNanos);
        pipeline.scheduler().firstChunk(context, served);
    }

    /**
     * Ends the exchange; only the first call has an effect. Runs the response hooks of the current attempt, records
     * the metrics and tells the observers.
     *
     * @param outcome how it ended; null counts as a failure
     */
    public void complete(ResponseOutcome outcome) {
        ResponseOutcome o = outcome == null ? ResponseOutcome.FAILED : outcome;
        long now = pipeline.nanoTime();
        RequestRecord record;
        InferenceRequest request;
        synchronized (this) {
            if (completed) {
                return;
            }
            completed = true;
            if (rehearsal) {
                return;
            }
            try {
                closeAttempt(o);
            } finally {
                InferenceRequest r = context.request();
                request = r;
                record = new RequestRecord(pipeline.pool(), r.requestId(), r.model(), r.targetModel(), fairnessId,
                        priority, served.name(), attempts, receivedNanos, dispatchedNanos, firstTokenNanos, now,
                        o.promptTokens(), o.completionTokens(), o.cachedTokens(), o.success(), served.metrics());
            }
        }
        pipeline.completed(record, request);
    }

    /** Runs the current attempt's response hooks once (under the lock). */
    private void closeAttempt(ResponseOutcome outcome) {
        if (attemptOpen) {
            attemptOpen = false;
            pipeline.scheduler().responseComplete(context, served, outcome);
        }
    }

    /** The caller's {@link System#nanoTime()}-style time when the pipeline received the request. */
    public long receivedNanos() {
        return receivedNanos;
    }

    public synchronized boolean isComplete() {
        return completed;
    }
}
