package io.quarkiverse.llmd.runtime.extproc;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.request.RequestHeaders;

/** Names and message builders of the endpoint picker protocol (reference scheduler-epp.md 1.2 to 1.7). */
public final class ExtProcMessages {

    /** Header and {@code envoy.lb} metadata key naming the chosen endpoint(s). */
    public static final String DESTINATION = "x-gateway-destination-endpoint";
    /** Metadata key the proxy sets on response messages: the endpoint that actually served. */
    public static final String SERVED = "x-gateway-destination-endpoint-served";
    /** Metadata key (in {@link #SUBSET_NAMESPACE}) with the endpoints the proxy allows. */
    public static final String SUBSET = "x-gateway-destination-endpoint-subset";
    /** Metadata namespace of the destination and served keys. */
    public static final String LB_NAMESPACE = "envoy.lb";
    /** Metadata namespace of the subset hint. */
    public static final String SUBSET_NAMESPACE = "envoy.lb.subset_hint";
    /** Marker set on the response-headers reply, as llm-d does. */
    public static final String WENT_INTO_RESP_HEADERS = "x-went-into-resp-headers";
    /** Why flow control dropped a request. */
    public static final String DROPPED_REASON = "x-llm-d-request-dropped-reason";
    /** Largest body piece per message (llm-d's BodyByteLimit): keeps messages under Envoy's limits. */
    public static final int BODY_CHUNK_BYTES = 62_000;

    /** Headers never echoed back: the protocol's control and output headers, and content-length (reference 1.6). */
    static final Set<String> SYSTEM_OWNED = union(RequestHeaders.ROUTE_OWNED,
            Set.of(SUBSET, DESTINATION, SERVED, "content-length"));

    private ExtProcMessages() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    static HeaderValueOption header(String key, String value, boolean append) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
                .setAppendAction(append ? HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                        : HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }

    /** {@code {"envoy.lb": {"x-gateway-destination-endpoint": destination}}}. */
    static Struct destinationMetadata(String destination) {
        Struct lb = Struct.newBuilder().putFields(DESTINATION, Value.newBuilder().setStringValue(destination).build())
                .build();
        return Struct.newBuilder().putFields(LB_NAMESPACE, Value.newBuilder().setStructValue(lb).build()).build();
    }

    /** The ImmediateResponse of a refusal: status, llm-d's body, and the dropped-reason header when there is one. */
    public static ProcessingResponse immediate(Decision.Rejected rejected) {
        ImmediateResponse.Builder b = ImmediateResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCodeValue(rejected.status()))
                .setBody(ByteString.copyFrom(rejected.eppBody(), StandardCharsets.UTF_8));
        if (rejected.droppedReason() != null) {
            b.setHeaders(HeaderMutation.newBuilder().addSetHeaders(header(DROPPED_REASON, rejected.droppedReason(),
                    false)));
        }
        return ProcessingResponse.newBuilder().setImmediateResponse(b).build();
    }

    /** One streamed body piece, as a request-body or response-body reply. */
    static ProcessingResponse streamedBody(boolean request, ByteString piece, boolean endOfStream) {
        BodyResponse body = BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder().setBodyMutation(
                BodyMutation.newBuilder().setStreamedResponse(StreamedBodyResponse.newBuilder().setBody(piece)
                        .setEndOfStream(endOfStream))))
                .build();
        ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
        return (request ? r.setRequestBody(body) : r.setResponseBody(body)).build();
    }

    /** A body reply that leaves the body alone, or replaces it (non-streamed modes) when {@code body} is not null. */
    static ProcessingResponse bodyReply(boolean request, ByteString body) {
        CommonResponse.Builder common = CommonResponse.newBuilder();
        if (body != null) {
            common.setBodyMutation(BodyMutation.newBuilder().setBody(body));
        }
        BodyResponse reply = BodyResponse.newBuilder().setResponse(common).build();
        ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
        return (request ? r.setRequestBody(reply) : r.setResponseBody(reply)).build();
    }

    /**
     * Splits a body into pieces of at most {@link #BODY_CHUNK_BYTES}; an empty body gives one empty piece, so that
     * an end of stream can always be sent.
     */
    static void chunk(ByteString body, boolean endOfStream, ChunkSink sink) {
        int size = body.size();
        if (size == 0) {
            sink.accept(ByteString.EMPTY, endOfStream);
            return;
        }
        for (int off = 0; off < size; off += BODY_CHUNK_BYTES) {
            int end = Math.min(size, off + BODY_CHUNK_BYTES);
            sink.accept(body.substring(off, end), endOfStream && end == size);
        }
    }

    /** Receives body pieces. */
    @FunctionalInterface
    interface ChunkSink {
        void accept(ByteString piece, boolean endOfStream);
    }

    /** Whether {@code name} (lower case) is never echoed back. */
    static boolean systemOwned(String name) {
        return SYSTEM_OWNED.contains(name);
    }

    static List<String> systemOwnedHeaders() {
        return List.copyOf(SYSTEM_OWNED);
    }
}
