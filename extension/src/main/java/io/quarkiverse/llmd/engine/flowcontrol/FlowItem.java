package io.quarkiverse.llmd.engine.flowcontrol;

/**
 * One request waiting in flow control. The caller creates it with its flow (fairness id and priority), its size and
 * an optional TTL; the {@link FlowController} stamps the enqueue time, the deadline and a sequence number that
 * breaks ties, so that equal items leave in arrival order. Times are nanoseconds of the caller's clock (real or
 * virtual); only differences matter.
 *
 * @param <T> what the caller carries through the queue (for the runtime: the pending request)
 */
public final class FlowItem<T> {

    /** No TTL of its own: the controller's {@code defaultRequestTTL} applies. */
    public static final long DEFAULT_TTL = -1;

    private final String flowId;
    private final int priority;
    private final long bytes;
    private final long ttlNanos;
    private final T payload;
    long sequence = -1;
    long enqueuedAt;
    long deadline = Long.MAX_VALUE;
    FlowController.Band<T> band;

    /**
     * @param flowId fairness id (header {@code x-gateway-inference-fairness-id}, default {@code default-flow})
     * @param priority the InferenceObjective priority; higher is served first
     * @param bytes the request's size, counted against {@code maxBytes}
     * @param ttlNanos time the item may wait, 0 for no limit, or {@link #DEFAULT_TTL}
     * @param payload what the caller gets back on release
     */
    public FlowItem(String flowId, int priority, long bytes, long ttlNanos, T payload) {
        this.flowId = flowId == null || flowId.isEmpty() ? FlowControlConfig.DEFAULT_FLOW_ID : flowId;
        this.priority = priority;
        this.bytes = Math.max(0, bytes);
        this.ttlNanos = ttlNanos;
        this.payload = payload;
    }

    public String flowId() {
        return flowId;
    }

    public int priority() {
        return priority;
    }

    public long bytes() {
        return bytes;
    }

    public T payload() {
        return payload;
    }

    /** TTL asked for by the caller, or {@link #DEFAULT_TTL}. */
    public long ttlNanos() {
        return ttlNanos;
    }

    /** When the item was enqueued (caller's nanoseconds). */
    public long enqueuedAt() {
        return enqueuedAt;
    }

    /** When the item expires: enqueue time plus TTL; {@link Long#MAX_VALUE} when it never does. */
    public long deadline() {
        return deadline;
    }

    /** Arrival order within the controller. */
    public long sequence() {
        return sequence;
    }

    /** Whether the item is still waiting in a queue. */
    public boolean queued() {
        return band != null;
    }

    @Override
    public String toString() {
        return "FlowItem[" + flowId + "/" + priority + " #" + sequence + "]";
    }
}
