package io.quarkiverse.llmd.engine.request;

/**
 * A request body the gateway refuses (HTTP 400): not JSON, not an object, or a field missing, of the wrong type or
 * empty. {@link #reason()} is stable and machine-friendly, {@link #field()} names the offending JSON path (for example
 * {@code messages[2].role}), and the message is meant for the client.
 * <p>
 * Carries no stack trace: it is thrown for every bad request on the event loop, and the stack says nothing the
 * reason and field do not.
 */
public final class InvalidRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the request was refused. */
    public enum Reason {
        /** The body is not syntactically valid JSON (including invalid UTF-8 outside strings and trailing data). */
        MALFORMED_JSON,
        /** The body is valid JSON but its top-level value is not an object. */
        NOT_AN_OBJECT,
        /** A required field is absent or null. */
        MISSING_FIELD,
        /** A field has the wrong JSON type. */
        WRONG_TYPE,
        /** A field that must not be empty is empty. */
        EMPTY_FIELD,
        /** A field has the right type but an unacceptable value (for example a negative token id). */
        INVALID_VALUE,
        /** The body exceeds a parser limit (nesting depth, number or string length). */
        LIMIT_EXCEEDED
    }

    private final Reason reason;
    private final String field;

    public InvalidRequestException(Reason reason, String field, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.field = field;
    }

    /** The machine-friendly reason. */
    public Reason reason() {
        return reason;
    }

    /** The JSON path of the offending field, or null when the problem is the body as a whole. */
    public String field() {
        return field;
    }

    /** The HTTP status the gateway answers with. */
    public int httpStatus() {
        return 400;
    }
}
