package io.quarkiverse.llmd.engine.flowcontrol;

/**
 * How a request left flow control; the {@code outcome} label of
 * {@code inference_extension_flow_control_request_queue_duration_seconds}, and the HTTP answer llm-d gives for it
 * (reference scheduler-epp.md 1.7).
 */
public enum QueueOutcome {

    /** Released to the scheduler. */
    DISPATCHED("Dispatched", 0, null),
    /** Refused at enqueue: a global or band limit ({@code maxRequests}, {@code maxBytes}) was reached. */
    REJECTED_CAPACITY("RejectedCapacity", 429, "rejected-saturated"),
    /** Waited longer than its TTL: 429 while the pool has endpoints, as llm-d v0.10 answers (503 without). */
    EVICTED_TTL("EvictedTTL", 429, "rejected-ttl-expired"),
    /** The client went away while the request waited. */
    EVICTED_CONTEXT_CANCELLED("EvictedContextCancelled", 503, "rejected-context-cancelled");

    private final String label;
    private final int httpStatus;
    private final String droppedReason;

    QueueOutcome(String label, int httpStatus, String droppedReason) {
        this.label = label;
        this.httpStatus = httpStatus;
        this.droppedReason = droppedReason;
    }

    /** The metric label value, as llm-d spells it. */
    public String label() {
        return label;
    }

    /** The HTTP status of the refusal; 0 for {@link #DISPATCHED}. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The value of {@code x-llm-d-request-dropped-reason}; null for {@link #DISPATCHED}. */
    public String droppedReason() {
        return droppedReason;
    }
}
