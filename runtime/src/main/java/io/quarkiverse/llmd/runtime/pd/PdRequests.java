package io.quarkiverse.llmd.runtime.pd;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The bodies of the NIXL v2 prefill/decode exchange, as llm-d's decode sidecar builds them (reference
 * scheduler-epp.md 6.2, {@code connector_nixlv2.go}).
 */
public final class PdRequests {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The request field carrying the KV-transfer handshake. */
    public static final String KV_TRANSFER_PARAMS = "kv_transfer_params";

    private PdRequests() {
    }

    /**
     * The prefill request: the original body with {@code kv_transfer_params = {do_remote_decode: true,
     * do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port:
     * null}}, {@code stream: false}, {@code stream_options} removed, and the token limits set to 1
     * ({@code max_tokens} and {@code max_completion_tokens}; {@code max_output_tokens} for the Responses API).
     *
     * @throws IllegalArgumentException when the body is not a JSON object
     */
    public static byte[] prefillBody(byte[] original, boolean responsesApi) {
        ObjectNode body = object(original);
        ObjectNode kv = body.putObject(KV_TRANSFER_PARAMS);
        kv.put("do_remote_decode", true);
        kv.put("do_remote_prefill", false);
        kv.putNull("remote_engine_id");
        kv.putNull("remote_block_ids");
        kv.putNull("remote_host");
        kv.putNull("remote_port");
        body.put("stream", false);
        body.remove("stream_options");
        if (responsesApi) {
            body.put("max_output_tokens", 1);
        } else {
            body.put("max_tokens", 1);
            body.put("max_completion_tokens", 1);
        }
        return write(body);
    }

    /**
     * The decode request: the original body (its stream, stream_options and token limits untouched) plus the
     * {@code kv_transfer_params} the prefill pod returned, forwarded opaquely.
     */
    public static byte[] decodeBody(byte[] original, JsonNode kvTransferParams) {
        ObjectNode body = object(original);
        body.set(KV_TRANSFER_PARAMS, kvTransferParams.deepCopy());
        return write(body);
    }

    /**
     * Adds the prefill pod's cached tokens to {@code usage.prompt_tokens_details.cached_tokens} of a JSON response
     * (Responses API: {@code usage.input_tokens_details}). Returns the body unchanged when it has no usage object or
     * is not JSON.
     */
    public static byte[] addCachedTokens(byte[] response, long prefillCached) {
        if (prefillCached <= 0) {
            return response;
        }
        try {
            JsonNode tree = JSON.readTree(response);
            if (!(tree instanceof ObjectNode root) || !(root.get("usage") instanceof ObjectNode usage)) {
                return response;
            }
            String details = usage.has("input_tokens") && !usage.has("prompt_tokens") ? "input_tokens_details"
                    : "prompt_tokens_details";
            ObjectNode d = usage.get(details) instanceof ObjectNode existing ? existing : usage.putObject(details);
            d.put("cached_tokens", d.path("cached_tokens").asLong(0) + prefillCached);
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            return response;
        }
    }

    private static ObjectNode object(byte[] body) {
        try {
            JsonNode tree = JSON.readTree(body);
            if (tree instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalArgumentException("the request body is not a JSON object");
    }

    private static byte[] write(ObjectNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
