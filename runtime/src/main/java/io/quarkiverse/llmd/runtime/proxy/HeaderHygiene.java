package io.quarkiverse.llmd.runtime.proxy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.quarkiverse.llmd.engine.request.RequestHeaders;
import io.vertx.core.MultiMap;

/**
 * Which headers cross the proxy. Hop-by-hop headers (RFC 9110 7.6.1, plus those a {@code Connection} header names)
 * never do. Routing headers are the scheduler's to set: whatever a client sends under those names is dropped before
 * scheduling and forwarding ({@code x-gateway-destination-endpoint*}, {@code x-prefiller-host-port},
 * {@code x-encoder-hosts-ports}, {@code x-data-parallel-host-port}), so a client cannot pick a pod or point a
 * sidecar's prefill somewhere else. {@code accept-encoding} is dropped as well: bodies are inspected (usage, model
 * name), so model servers must answer uncompressed.
 */
public final class HeaderHygiene {

    /** Response header naming the endpoint ({@code ip:port}) that served the request. */
    public static final String SERVED_HEADER = "x-gateway-destination-endpoint-served";
    /** Routing header prefix; covers the destination, its subset, fallback and served forms. */
    public static final String DESTINATION_PREFIX = "x-gateway-destination-endpoint";
    public static final String PREFILLER = "x-prefiller-host-port";
    public static final String ENCODERS = "x-encoder-hosts-ports";
    public static final String DATA_PARALLEL = "x-data-parallel-host-port";
    public static final String REQUEST_ID = "x-request-id";

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade");
    /**
     * Dropped from client requests: besides transport headers, every header that would let a client choose its
     * model server, its pool or another model (rewrites come from configuration, as InferenceModelRewrite does).
     */
    private static final Set<String> REQUEST_DROPPED = Set.of("host", "content-length", "accept-encoding",
            PREFILLER, ENCODERS, DATA_PARALLEL, RequestHeaders.MODEL_REWRITE, RequestHeaders.MODEL_REWRITE_LEGACY,
            RequestHeaders.POOL);
    private static final Set<String> RESPONSE_DROPPED = Set.of("content-length", SERVED_HEADER);

    private HeaderHygiene() {
    }

    /** Whether a client-sent request header (lower case) must not reach the scheduler or a model server. */
    public static boolean droppedFromRequest(String lowerName) {
        return HOP_BY_HOP.contains(lowerName) || REQUEST_DROPPED.contains(lowerName)
                || lowerName.startsWith(DESTINATION_PREFIX) || lowerName.startsWith(":");
    }

    /**
     * The client's headers as the scheduler sees them: lower-case names, first value wins, routing and hop-by-hop
     * headers removed (also those listed in {@code Connection}).
     */
    public static Map<String, String> cleanRequestHeaders(MultiMap headers) {
        Set<String> connectionListed = connectionTokens(headers);
        Map<String, String> out = new HashMap<>(headers.size() * 2);
        for (Map.Entry<String, String> h : headers) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (droppedFromRequest(name) || connectionListed.contains(name)) {
                continue;
            }
            out.putIfAbsent(name, h.getValue());
        }
        return out;
    }

    /** Copies a model server's response headers to the client response, minus hop-by-hop and length headers. */
    public static void copyResponseHeaders(MultiMap from, MultiMap to, boolean keepContentLength) {
        Set<String> connectionListed = connectionTokens(from);
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || connectionListed.contains(name)
                    || (!keepContentLength && RESPONSE_DROPPED.contains(name)) || SERVED_HEADER.equals(name)) {
                continue;
            }
            to.add(h.getKey(), h.getValue());
        }
    }

    private static Set<String> connectionTokens(MultiMap headers) {
        String connection = headers.get("connection");
        if (connection == null || connection.isEmpty()) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (String token : connection.split(",")) {
            String t = token.trim().toLowerCase(Locale.ROOT);
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
