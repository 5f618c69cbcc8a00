package io.quarkiverse.llmd.simulator.config;

import java.util.EnumSet;
import java.util.Set;

/**
 * Failure injection. A fraction {@code rate} of completion requests fails with one of {@code kinds} (picked
 * uniformly); {@code /metrics} can be made to stall independently.
 *
 * @param rate fraction in [0,1] of completion requests that fail
 * @param kinds the failure kinds to pick from
 * @param slowFirstByteMillis extra delay before the response starts for {@link Kind#SLOW_FIRST_BYTE}
 * @param metricsStallMillis 0 = /metrics answers at once; negative = never answers; positive = answers after that
 */
public record FailureConfig(double rate, Set<Kind> kinds, long slowFirstByteMillis, long metricsStallMillis) {

    public static final FailureConfig NONE = new FailureConfig(0, EnumSet.allOf(Kind.class), 5_000, 0);

    /** What an injected failure does. */
    public enum Kind {
        /** 503 "The server is overloaded or not ready yet." (vLLM's shape). */
        SERVER_ERROR,
        /** The connection is closed after the first streamed chunk, or before any byte when not streaming. */
        DROP_CONNECTION,
        /** The response is delayed by {@code slowFirstByteMillis} and then served normally. */
        SLOW_FIRST_BYTE;

        public static Kind parse(String s) {
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "5xx":
                case "server_error":
                    return SERVER_ERROR;
                case "drop":
                case "connection_drop":
                    return DROP_CONNECTION;
                case "slow":
                case "slow_first_byte":
                    return SLOW_FIRST_BYTE;
                default:
                    throw new IllegalArgumentException("unknown failure kind '" + s + "' (5xx, drop, slow)");
            }
        }
    }

    public FailureConfig {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("failure rate must be in [0,1]: " + rate);
        }
        kinds = kinds.isEmpty() ? EnumSet.allOf(Kind.class) : EnumSet.copyOf(kinds);
    }
}
