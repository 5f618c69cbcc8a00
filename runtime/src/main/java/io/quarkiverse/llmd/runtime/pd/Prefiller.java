package io.quarkiverse.llmd.runtime.pd;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkiverse.llmd.runtime.proxy.UpstreamClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * Runs the prefill half of a NIXL v2 exchange, step by step as llm-d's decode sidecar does (reference
 * scheduler-epp.md 6.2): send the prefill request (kv_transfer_params with {@code do_remote_decode: true}, no
 * streaming, one output token, a new {@code x-request-id}) to the prefill pod and buffer its answer; a 400-451 answer
 * goes back to the client as it is; any other failure falls back to decoding locally with the original request;
 * success yields the decode request (original body plus the returned {@code kv_transfer_params}) and the prefill's
 * cached tokens.
 */
public final class Prefiller {

    private static final Logger LOG = Logger.getLogger(Prefiller.class);

    /** What the prefill produced. */
    public sealed interface Result {
    }

    /** Decode with this body; {@code cachedTokens} are the prefill pod's, to add to the usage. */
    public record Proceed(byte[] decodeBody, long cachedTokens) implements Result {
    }

    /** The prefill pod refused the request (400-451): answer the client with this. */
    public record Reply(int status, MultiMap headers, Buffer body) implements Result {
    }

    /** The prefill failed otherwise: decode locally with the original request. */
    public record Fallback(String reason) implements Result {
    }

    private final UpstreamClient upstream;
    private final long timeoutMillis;

    public Prefiller(UpstreamClient upstream, long timeoutMillis) {
        this.upstream = upstream;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Prefills on {@code prefillHostPort}. Never fails: errors become {@link Fallback}.
     *
     * @param uri the path (and query) of the client's request, reused for the prefill
     * @param headers headers to forward (already cleaned of routing and hop-by-hop headers)
     * @param responsesApi whether the request targets {@code /v1/responses} (its limit is {@code max_output_tokens})
     */
    public Future<Result> prefill(String prefillHostPort, String uri, Map<String, String> headers, byte[] original,
            boolean responsesApi) {
        byte[] body;
        try {
            body = PdRequests.prefillBody(original, responsesApi);
        } catch (IllegalArgumentException e) {
            return Future.succeededFuture(new Fallback(e.getMessage()));
        }
        Map<String, String> h = new HashMap<>(headers);
        h.remove(HeaderHygiene.REQUEST_ID);
        h.put(HeaderHygiene.REQUEST_ID, UUID.randomUUID().toString());
        h.put("content-type", "application/json");
        return upstream.send(upstream.options(HttpMethod.POST, prefillHostPort, uri, timeoutMillis), h,
                Buffer.buffer(body))
                .compose(req -> req.response())
                .compose(resp -> resp.body().map(b -> interpret(resp.statusCode(), resp.headers(), b, original)))
                .recover(t -> {
                    LOG.debugf("prefill on %s failed, decoding locally: %s", prefillHostPort, t.toString());
                    return Future.succeededFuture(new Fallback("prefill on " + prefillHostPort + " failed: " + t));
                });
    }

    static Result interpret(int status, MultiMap headers, Buffer body, byte[] original) {
        if (status >= 400 && status <= 451) {
            return new Reply(status, headers, body);
        }
        if (status < 200 || status >= 300) {
            return new Fallback("prefill answered " + status);
        }
        JsonNode tree;
        try {
            tree = PdRequests.JSON.readTree(body.getBytes());
        } catch (java.io.IOException e) {
            return new Fallback("prefill answer is not JSON");
        }
        JsonNode kv = tree.get(PdRequests.KV_TRANSFER_PARAMS);
        if (kv == null || !kv.isObject()) {
            LOG.warn("the prefill answer carries no kv_transfer_params; decoding locally");
            return new Fallback("prefill answer without kv_transfer_params");
        }
        long cached = 0;
        JsonNode usage = tree.path("usage");
        for (String details : new String[] { "prompt_tokens_details", "input_tokens_details" }) {
            JsonNode c = usage.path(details).path("cached_tokens");
            if (c.canConvertToLong()) {
                cached = c.asLong();
                break;
            }
        }
        return new Proceed(PdRequests.decodeBody(original, kv), cached);
    }
}
