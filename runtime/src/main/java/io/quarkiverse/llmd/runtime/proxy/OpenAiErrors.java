package io.quarkiverse.llmd.runtime.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * OpenAI-style error bodies, as vLLM writes them: {@code {"error":{"message","type","param","code"}}} with the HTTP
 * status as the integer {@code code} (reference kvcache-and-sim.md B2.3).
 */
public final class OpenAiErrors {

    /** Response header telling why a request was dropped (flow control), as llm-d sets it. */
    public static final String DROPPED_REASON_HEADER = "x-llm-d-request-dropped-reason";

    private OpenAiErrors() {
    }

    /** The OpenAI error type name of a status, as vLLM maps it. */
    public static String type(int status) {
        return switch (status) {
            case 400 -> "BadRequestError";
            case 401 -> "AuthenticationError";
            case 403 -> "PermissionDeniedError";
            case 404 -> "NotFoundError";
            case 405 -> "MethodNotAllowedError";
            case 413 -> "RequestTooLargeError";
            case 422 -> "UnprocessableEntityError";
            case 429 -> "RateLimitError";
            case 502 -> "BadGatewayError";
            case 503 -> "ServiceUnavailableError";
            case 504 -> "GatewayTimeoutError";
            default -> status >= 500 ? "InternalServerError" : "APIError";
        };
    }

    /** The JSON error object. */
    public static String json(int status, String message, String param) {
        StringBuilder sb = new StringBuilder(96 + message.length());
        sb.append("{\"error\":{\"message\":");
        quote(sb, message);
        sb.append(",\"type\":");
        quote(sb, type(status));
        sb.append(",\"param\":");
        if (param == null) {
            sb.append("null");
        } else {
            quote(sb, param);
        }
        sb.append(",\"code\":").append(status).append("}}");
        return sb.toString();
    }

    /** The final SSE frames of a stream that failed midway: an error event, then {@code [DONE]}, as vLLM ends it. */
    public static Buffer sseErrorFrames(int status, String message) {
        return Buffer.buffer("data: " + json(status, message, null) + "\n\ndata: [DONE]\n\n");
    }

    /** Sends an error response unless the head was already written; returns whether it was sent. */
    public static boolean send(HttpServerResponse response, int status, String message) {
        return send(response, status, message, null, null);
    }

    /** Sends an error response, with {@code x-llm-d-request-dropped-reason} when {@code droppedReason} is set. */
    public static boolean send(HttpServerResponse response, int status, String message, String param,
            String droppedReason) {
        if (response.headWritten() || response.ended() || response.closed()) {
            return false;
        }
        response.setStatusCode(status).putHeader("content-type", "application/json");
        if (droppedReason != null && !droppedReason.isEmpty()) {
            response.putHeader(DROPPED_REASON_HEADER, droppedReason);
        }
        response.end(json(status, message, param));
        return true;
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
