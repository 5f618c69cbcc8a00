package io.quarkiverse.llmd.simulator.api;

/**
 * An error answered in vLLM's JSON shape {@code {"error":{"message","type","param","code"}}} where {@code code} is
 * the HTTP status and {@code type} follows the OpenAI client's class names.
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String param;

    public ApiException(int status, String message, String param) {
        super(message, null, false, false); // no stack trace: these are answers, not bugs
        this.status = status;
        this.param = param;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message, null);
    }

    public static ApiException badRequest(String message, String param) {
        return new ApiException(400, message, param);
    }

    public int status() {
        return status;
    }

    public String param() {
        return param;
    }

    /** The OpenAI-style error type for a status. */
    public static String typeFor(int status) {
        switch (status) {
            case 400:
                return "BadRequestError";
            case 401:
                return "AuthenticationError";
            case 403:
                return "PermissionDeniedError";
            case 404:
                return "NotFoundError";
            case 413:
                return "RequestEntityTooLargeError";
            case 422:
                return "UnprocessableEntityError";
            case 429:
                return "RateLimitError";
            default:
                return status >= 500 ? "InternalServerError" : "APIConnectionError";
        }
    }

    /** The JSON body of this error. */
    public String toJson() {
        return json(status, getMessage(), param);
    }

    public static String json(int status, String message, String param) {
        StringBuilder sb = new StringBuilder(96 + message.length());
        sb.append("{\"error\":{\"message\":");
        Json.quote(sb, message);
        sb.append(",\"type\":");
        Json.quote(sb, typeFor(status));
        sb.append(",\"param\":");
        if (param == null) {
            sb.append("null");
        } else {
            Json.quote(sb, param);
        }
        sb.append(",\"code\":").append(status).append("}}");
        return sb.toString();
    }
}
