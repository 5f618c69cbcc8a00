package io.quarkiverse.llmd.engine.pipeline;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.quarkiverse.llmd.engine.flowcontrol.FlowItem;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * The pipeline's answer for one request, possibly still waiting in flow control. It completes normally with a
 * {@link Decision} (never exceptionally for a refusal). When the client goes away before the decision arrives, the
 * edge calls {@link #cancel()}: a queued request leaves the queue at once and the decision completes with 503
 * {@code rejected-context-cancelled}. Once the decision is a {@link RoutedRequest}, cancelling does nothing: the edge
 * ends the exchange with {@link RoutedRequest#complete} as usual.
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
