package io.quarkiverse.llmd.engine.pipeline;

import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;

/** What the pipeline decided for a request: where it goes, or why it is refused. */
public sealed interface Decision permits RoutedRequest, Decision.Rejected {

    /** Header telling why flow control dropped a request. */
    String DROPPED_REASON_HEADER = "x-llm-d-request-dropped-reason";

    /**
     * A refusal, mapped as llm-d maps its errors (reference scheduler-epp.md 1.7).
     *
     * @param status HTTP status: 400 bad request, 429 shed or no endpoint after filtering, 503 no candidates,
     *        500 internal
     * @param code llm-d's error code name ({@code BadRequest}, {@code ResourceExhausted}, {@code ServiceUnavailable},
     *        {@code Internal})
     * @param message what went wrong, for the client
     * @param droppedReason value of {@code x-llm-d-request-dropped-reason}, or null
     */
    record Rejected(int status, String code, String message, String droppedReason) implements Decision {

        /** Dropped reason when the filters left no endpoint (llm-d v0.10, 429). */
        public static final String SATURATED = "rejected-saturated";
        /** Dropped reason when the pool has no endpoint at all (llm-d v0.10, 503). */
        public static final String NO_ENDPOINTS = "rejected-no-endpoints";

        public static Rejected badRequest(String message) {
            return new Rejected(400, "BadRequest", message, null);
        }

        public static Rejected noCandidates(String message) {
            return new Rejected(503, "ServiceUnavailable", message, null);
        }

        /** The pool has no endpoint: 503 {@code rejected-no-endpoints}. */
        public static Rejected noEndpoints(String message) {
            return new Rejected(503, "ServiceUnavailable", message, NO_ENDPOINTS);
        }

        public static Rejected exhausted(String message, String droppedReason) {
            return new Rejected(429, "ResourceExhausted", message, droppedReason);
        }

        /**
         * The client went away before the request was scheduled (outside the flow-control queue, where
         * {@link #flowControl} says so): 503 {@code rejected-context-cancelled}, as llm-d answers a cancelled request.
         */
        public static Rejected cancelled(String message) {
            return new Rejected(503, "ServiceUnavailable", message,
                    QueueOutcome.EVICTED_CONTEXT_CANCELLED.droppedReason());
        }

        public static Rejected internal(String message) {
            return new Rejected(500, "Internal", message, null);
        }

        /**
         * The refusal for a request flow control dropped, as llm-d v0.10 maps them (reference llm-d-v0.10-deltas.md
         * 4.3): at capacity 429 {@code rejected-saturated}, or 503 {@code rejected-no-endpoints} when the pool is
         * empty; past its TTL 429 {@code rejected-ttl-expired} while the pool has endpoints (the pool is overloaded:
         * back off), 503 {@code rejected-no-endpoints} when it has none (nothing could serve it); 503
         * {@code rejected-context-cancelled} when the client left.
         *
         * @param poolEmpty whether the pool had no endpoint when the request was dropped
         */
        public static Rejected flowControl(QueueOutcome outcome, boolean poolEmpty) {
            return switch (outcome) {
                case REJECTED_CAPACITY -> poolEmpty ? noEndpoints("flow control queue is at capacity and the pool "
                        + "has no endpoints") : exhausted("flow control queue is at capacity", outcome.droppedReason());
                case EVICTED_TTL -> poolEmpty ? noEndpoints("no endpoint became available before the request expired")
                        : new Rejected(429, "ResourceExhausted", "request expired in the flow control queue",
                                outcome.droppedReason());
                case EVICTED_CONTEXT_CANCELLED -> new Rejected(503, "ServiceUnavailable",
                        "request cancelled while queued in flow control", outcome.droppedReason());
                case DISPATCHED -> throw new IllegalArgumentException("a dispatched request is not rejected");
            };
        }

        /** Same as {@link #flowControl(QueueOutcome, boolean)} for a pool with endpoints. */
        public static Rejected flowControl(QueueOutcome outcome) {
            return flowControl(outcome, false);
        }

        /** The ext_proc ImmediateResponse body llm-d sends: {@code inference error: <Code> - <message>}. */
        public String eppBody() {
            return "inference error: " + code + " - " + message;
        }
    }
}
