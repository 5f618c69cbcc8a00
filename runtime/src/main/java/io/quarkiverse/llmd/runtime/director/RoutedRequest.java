package io.quarkiverse.llmd.runtime.director;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;

/**
 * A request the scheduler placed, and the handle through which the edge (ext_proc or proxy) reports how the
 * exchange goes. {@link #complete} runs the completion hooks exactly once, however often it is called, so every
 * exit path can call it safely. The lifecycle also records the request's metrics (time to first token, duration,
 * tokens, running requests), so the edges need no metrics code.
 */
public final class RoutedRequest implements Decision {

    private final Scheduler scheduler;
    private final SchedulingContext context;
    private final SchedulingResult result;
    private final byte[] body;
    private final int priority;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean firstChunk = new AtomicBoolean();
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile Endpoint served;
    private final EppMetrics metrics;
    private final LongSupplier nanoTime;
    private final long receivedNanos;
    private final Runnable onComplete;

    RoutedRequest(Scheduler scheduler, SchedulingContext context, SchedulingResult result, byte[] body, int priority) {
        this(scheduler, context, result, body, priority, EppMetrics.NOOP, System::nanoTime, System.nanoTime(), null);
    }

    RoutedRequest(Scheduler scheduler, SchedulingContext context, SchedulingResult result, byte[] body, int priority,
            EppMetrics metrics, LongSupplier nanoTime, long receivedNanos, Runnable onComplete) {
        this.scheduler = scheduler;
        this.context = context;
        this.result = result;
        this.body = body;
        this.priority = priority;
        this.served = result.primary().primary();
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.receivedNanos = receivedNanos;
        this.onComplete = onComplete;
    }

    public InferenceRequest request() {
        return context.request();
    }

    public SchedulingContext context() {
        return context;
    }

    public SchedulingResult result() {
        return result;
    }

    public int priority() {
        return priority;
    }

    /** The primary target followed by its fallbacks, best first. */
    public List<Endpoint> targets() {
        List<Endpoint> targets = new java.util.ArrayList<>(result.targets().size());
        for (var scored : result.targets()) {
            targets.add(scored.endpoint());
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

    /** Response headers arrived from {@code endpoint} (null keeps the primary). */
    public void responseStarted(Endpoint endpoint) {
        if (endpoint != null) {
            served = endpoint;
        }
        if (started.compareAndSet(false, true)) {
            scheduler.responseStarted(context, served);
        }
    }

    /** The first body chunk arrived. */
    public void firstChunk() {
        if (firstChunk.compareAndSet(false, true)) {
            metrics.firstChunk(request(), priority, nanoTime.getAsLong() - receivedNanos);
            scheduler.firstChunk(context, served);
        }
    }

    /** Ends the exchange; only the first call has an effect. */
    public void complete(ResponseOutcome outcome) {
        if (completed.compareAndSet(false, true)) {
            ResponseOutcome o = outcome == null ? ResponseOutcome.FAILED : outcome;
            try {
                scheduler.responseComplete(context, served, o);
            } finally {
                metrics.completed(request(), priority, nanoTime.getAsLong() - receivedNanos,
                        o.promptTokens(), o.completionTokens(), o.cachedTokens());
                if (onComplete != null) {
                    onComplete.run();
                }
            }
        }
    }

    /** The caller's {@link System#nanoTime()}-style time when the director received the request. */
    public long receivedNanos() {
        return receivedNanos;
    }

    public boolean isComplete() {
        return completed.get();
    }
}
