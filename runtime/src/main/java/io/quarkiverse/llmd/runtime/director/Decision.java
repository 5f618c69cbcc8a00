package io.quarkiverse.llmd.runtime.director;

import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;

/** What the director decided for a request: where it goes, or why it is refused. */
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

        public static Rejected badRequest(String message) {
            return new Rejected(400, "BadRequest", message, null);
        }

        public static Rejected noCandidates(String message) {
            return new Rejected(503, "ServiceUnavailable", message, null);
        }

        public static Rejected exhausted(String message, String droppedReason) {
            return new Rejected(429, "ResourceExhausted", message, droppedReason);
        }

        public static Rejected internal(String message) {
            return new Rejected(500, "Internal", message, null);
        }

        /**
         * The refusal for a request flow control dropped: 429 {@code rejected-saturated} at capacity, 503
         * {@code rejected-ttl-expired} past its TTL, 503 {@code rejected-context-cancelled} when the client left.
         */
        public static Rejected flowControl(QueueOutcome outcome) {
            return switch (outcome) {
                case REJECTED_CAPACITY -> exhausted("flow control queue is at capacity", outcome.droppedReason());
                case EVICTED_TTL -> new Rejected(503, "ServiceUnavailable",
                        "request expired in the flow control queue", outcome.droppedReason());
                case EVICTED_CONTEXT_CANCELLED -> new Rejected(503, "ServiceUnavailable",
                        "request cancelled while queued in flow control", outcome.droppedReason());
                case DISPATCHED -> throw new IllegalArgumentException("a dispatched request is not rejected");
            };
        }

        /** The ext_proc ImmediateResponse body llm-d sends: {@code inference error: <Code> - <message>}. */
        public String eppBody() {
            return "inference error: " + code + " - " + message;
        }
    }
}
