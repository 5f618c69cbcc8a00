package io.quarkiverse.llmd.engine.pipeline;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkiverse.llmd.engine.flowcontrol.FlowItem;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * The pipeline's answer for one request, possibly still being prepared (an {@link
 * io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer} waiting for I/O) or waiting in flow control.
 * It completes normally with a {@link Decision} (never exceptionally for a refusal), exactly once. When the client
 * goes away before the decision arrives, the edge calls {@link #cancel()}: a request being prepared or queued is
 * dropped at once and the decision completes with 503 {@code rejected-context-cancelled}. Once the decision is a
 * {@link RoutedRequest}, cancelling does nothing: the edge ends the exchange with {@link RoutedRequest#complete} as
 * usual.
 */
public final class PendingDecision extends CompletableFuture<Decision> {

    final InferenceRequest request;
    final byte[] forwardBody;
    final int priority;
    final String fairnessId;
    final List<String> subsetHint;
    final long receivedNanos;
    final Executor completeOn;
    FlowItem<PendingDecision> item;
    FlowGate gate;
    /** What the asynchronous producers obtained; set before the request is queued or scheduled. */
    PreparedData prepared = PreparedData.NONE;
    /** The pipeline preparing the request, or null when it never was (nothing to prepare, or a refusal). */
    volatile RequestPipeline preparingIn;
    /** Under flow control, how long the request may spend being prepared, counted from its arrival; 0: no limit. */
    long preparationTtlNanos;

    private static final int NOT_PREPARING = 0;
    private static final int PREPARING = 1;
    private static final int PREPARED = 2;
    private static final int ABANDONED = 3;
    private final AtomicInteger phase = new AtomicInteger(NOT_PREPARING);

    PendingDecision(InferenceRequest request, byte[] forwardBody, int priority, String fairnessId,
            List<String> subsetHint, long receivedNanos, Executor completeOn) {
        this.request = request;
        this.forwardBody = forwardBody;
        this.priority = priority;
        this.fairnessId = fairnessId;
        this.subsetHint = subsetHint;
        this.receivedNanos = receivedNanos;
        this.completeOn = completeOn;
    }

    /** A decision already made (a refusal, or a placement without flow control). */
    public static PendingDecision completed(Decision decision) {
        PendingDecision p = new PendingDecision(null, null, 0, null, null, 0, null);
        p.complete(decision);
        return p;
    }

    /**
     * The client went away: removes the request from the flow-control queue if it still waits there.
     *
     * @return true when it was waiting and is now refused with 503 {@code rejected-context-cancelled}
     */
    public boolean cancel() {
        RequestPipeline p = preparingIn;
        if (p != null && abandonPreparation()) {
            p.cancelledWhilePreparing(this);
            return true;
        }
        FlowGate g = gate;
        return g != null && g.cancel(this);
    }

    /** Same as {@link #cancel()}: the decision then completes normally with the refusal, not exceptionally. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return cancel();
    }

    /** Whether the request is waiting in the flow-control queue. */
    public boolean queued() {
        FlowItem<PendingDecision> i = item;
        return i != null && i.queued() && !isDone();
    }

    /** Whether the request's data is still being prepared (it is neither queued nor scheduled yet). */
    public boolean preparing() {
        return phase.get() == PREPARING;
    }

    void startPreparing(RequestPipeline pipeline) {
        preparingIn = pipeline;
        phase.set(PREPARING);
    }

    /** The preparation completed: true when the request goes on (it was neither cancelled nor expired meanwhile). */
    boolean finishPreparation() {
        return phase.compareAndSet(PREPARING, PREPARED);
    }

    /** Cancellation or TTL while preparing: true when this call stopped it (the caller then refuses the request). */
    boolean abandonPreparation() {
        return phase.compareAndSet(PREPARING, ABANDONED);
    }

    /** Priority of the request (0 when it was rejected before the objective was resolved). */
    public int priority() {
        return priority;
    }

    /** The fairness id the request was queued under, or null when it was not queued. */
    public String fairnessId() {
        FlowItem<PendingDecision> i = item;
        return i == null ? null : i.flowId();
    }

    /** Completes on the caller's context (its event loop) when it had one. */
    void finish(Decision decision) {
        if (completeOn == null) {
            complete(decision);
        } else {
            completeOn.execute(() -> complete(decision));
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
