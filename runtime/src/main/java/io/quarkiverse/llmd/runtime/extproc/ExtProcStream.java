package io.quarkiverse.llmd.runtime.extproc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.request.RequestHeaders;
import io.quarkiverse.llmd.engine.request.SseUsageScanner;
import io.quarkiverse.llmd.engine.request.Usage;
import io.quarkiverse.llmd.engine.request.UsageParser;
import io.quarkiverse.llmd.engine.response.ModelNameRewriter;
import io.vertx.core.Vertx;

/**
 * One ext_proc stream, that is one HTTP request through Envoy (reference scheduler-epp.md 1.2).
 * <p>
 * The body mode comes from the first message's {@code protocol_config} (llm-d ignores it and assumes
 * FULL_DUPLEX_STREAMED, which is also what an absent configuration means here):
 * <ul>
 * <li>FULL_DUPLEX_STREAMED: the request-headers reply is held until the body has ended and the endpoint is chosen;
 * then the header reply (destination header, {@code envoy.lb} metadata, Content-Length, echoed headers) is followed by
 * the forwarded body in pieces of at most 62,000 bytes.</li>
 * <li>BUFFERED and BUFFERED_PARTIAL: Envoy waits for the header reply before it sends the body, so the headers are
 * answered at once with an empty reply, and the destination travels with the body reply (header mutation, dynamic
 * metadata, route-cache clearing and the forwarded body as a body mutation).</li>
 * <li>NONE (no body is sent) or a headers message that ends the stream: a random endpoint at once.</li>
 * <li>STREAMED cannot work (Envoy routes before the body is seen): the stream fails with FAILED_PRECONDITION.</li>
 * </ul>
 * Every state change and every write happens under this object's monitor: the director may answer on another thread
 * (flow control), and messages that arrive meanwhile wait in a queue until the decision has been written out, so
 * replies keep Envoy's order. The completion hooks run exactly once, also when the stream breaks.
 */
final class ExtProcStream implements StreamObserver<ProcessingRequest> {

    private static final Logger LOG = Logger.getLogger(ExtProcStream.class);

    private enum State {
        /** Waiting for the request headers. */
        REQUEST_HEADERS,
        /** Reading the request body. */
        REQUEST_BODY,
        /** The director is deciding; incoming messages are queued. */
        DECIDING,
        /** The request went upstream; waiting for the response. */
        FORWARDED,
        /** Reading the response body. */
        RESPONSE_BODY,
        /** The response ended. */
        RESPONSE_DONE,
        /** An immediate response or an error ended the stream; everything else is ignored. */
        CLOSED
    }

    /**
     * What the stream needs from the application.
     *
     * @param guard sheds decisions that cannot be made in time
     * @param vertx runs the idle timer; null for none
     * @param idleTimeoutMillis a stream without an inbound message for this long is ended; 0 or less: never
     * @param rehearsalToken the value of {@link #REHEARSAL_HEADER} that marks the gateway's own warm-up streams, or
     *        null when none are accepted
     */
    record Settings(PoolDirectory pools, long maxBodyBytes, boolean ignoreSubsetHints, ExtProcGuard guard,
            Vertx vertx, long idleTimeoutMillis, String rehearsalToken) {
    }

    /**
     * Header of the gateway's own warm-up streams ({@link ExtProcWarmUp}); only a value equal to the process's secret
     * token makes a stream a rehearsal. It is never forwarded.
     */
    static final String REHEARSAL_HEADER = "x-llmd-warm-up";

    private final Settings settings;
    private final StreamObserver<ProcessingResponse> out;
    private final ArrayDeque<ProcessingRequest> deferred = new ArrayDeque<>(2);
    /** Arrival times of inbound messages at the transport, or null without the tracer. */
    private final ArrivalTracer arrivals;
    /** When the message being handled arrived at the transport. */
    private long lastArrival;
    /** When the last inbound message was handled, for the idle timeout. */
    private long lastActivity;
    private long idleTimer = -1;
    /** Whether the guard admitted the current decision and it has not been released yet. */
    private boolean admitted;
    /** Whether this stream is the gateway's own warm-up: decided by {@link Pools#rehearse}, shed never. */
    private boolean rehearsal;
    /** Whether the request carried {@link #REHEARSAL_HEADER}, which the proxy is then told to remove. */
    private boolean carriedRehearsalHeader;

    private State state = State.REQUEST_HEADERS;
    private boolean outClosed;
    private BodySendMode requestMode = BodySendMode.FULL_DUPLEX_STREAMED;
    private BodySendMode responseMode = BodySendMode.FULL_DUPLEX_STREAMED;

    // request
    private final List<String[]> requestHeaderList = new ArrayList<>();
    private final Map<String, String> requestHeaders = new HashMap<>();
    private List<String> subsetHint;
    private ByteString requestBody = ByteString.EMPTY;
    private boolean requestEndedWithTrailers;
    private RoutedRequest routed;
    /** Whether the request ended with its headers (no body to forward). */
    private boolean headersOnly;
    /** The pipeline's answer while it may still be queued by flow control. */
    private PendingDecision pending;

    // response
    private int responseStatus;
    private boolean streamingResponse;
    private boolean passThrough;
    private ModelNameRewriter rewriter;
    private SseUsageScanner sseScanner;
    private ByteString responseBuffer = ByteString.EMPTY;
    private boolean responseBufferOverflow;

    ExtProcStream(Settings settings, StreamObserver<ProcessingResponse> out) {
        this.settings = settings;
        this.out = out;
        this.arrivals = ArrivalTracer.current();
        if (out instanceof ServerCallStreamObserver<ProcessingResponse> server) {
            server.setOnCancelHandler(this::cancelled);
        }
        this.lastActivity = System.nanoTime();
        if (settings.vertx() != null && settings.idleTimeoutMillis() > 0) {
            idleTimer = settings.vertx().setTimer(settings.idleTimeoutMillis(), t -> idleCheck());
        }
    }

    /**
     * Ends a stream that went quiet for the idle timeout (a proxy that lost track of it would otherwise hold its
     * state forever); otherwise waits for the rest of the timeout. One timer per stream, re-armed only when it fires.
     */
    private synchronized void idleCheck() {
        idleTimer = -1;
        if (state == State.CLOSED || outClosed) {
            return;
        }
        long idleMillis = (System.nanoTime() - lastActivity) / 1_000_000;
        long timeout = settings.idleTimeoutMillis();
        if (idleMillis >= timeout) {
            LOG.debugf("ext_proc stream idle for %d ms in state %s: ended", idleMillis, state);
            fail(Status.DEADLINE_EXCEEDED.withDescription("ext_proc stream idle for " + idleMillis + " ms"));
        } else {
            idleTimer = settings.vertx().setTimer(Math.max(1, timeout - idleMillis), t -> idleCheck());
        }
    }

    private void stopIdleTimer() {
        if (idleTimer >= 0) {
            settings.vertx().cancelTimer(idleTimer);
            idleTimer = -1;
        }
    }

    // ------------------------------------------------------------------ StreamObserver

    @Override
    public synchronized void onNext(ProcessingRequest message) {
        long now = System.nanoTime();
        lastActivity = now;
        lastArrival = arrivals == null ? now : arrivals.next(now);
        try {
            if (state == State.DECIDING) {
                deferred.add(message);
                return;
            }
            handle(message);
        } catch (RuntimeException e) {
            LOG.errorf(e, "ext_proc stream failed on a %s message", message.getRequestCase());
            fail(Status.INTERNAL.withDescription("endpoint picker error: " + e));
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        // Envoy reset the stream (client disconnect, timeout): nothing more can be written
        outClosed = true;
        state = State.CLOSED;
        deferred.clear();
        completeFailed();
        stopIdleTimer();
    }

    @Override
    public synchronized void onCompleted() {
        // Envoy half-closed: it sends nothing more. Whatever did not finish failed.
        deferred.clear();
        completeFailed();
        state = State.CLOSED;
        closeOut();
    }

    private synchronized void cancelled() {
        outClosed = true;
        state = State.CLOSED;
        deferred.clear();
        completeFailed();
        stopIdleTimer();
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(ProcessingRequest message) {
        if (state == State.CLOSED) {
            return;
        }
        if (message.hasProtocolConfig()) {
            requestMode = message.getProtocolConfig().getRequestBodyMode();
            responseMode = message.getProtocolConfig().getResponseBodyMode();
        }
        switch (message.getRequestCase()) {
            case REQUEST_HEADERS -> requestHeaders(message);
            case REQUEST_BODY -> requestBody(message.getRequestBody());
            case REQUEST_TRAILERS -> requestTrailers();
            case RESPONSE_HEADERS -> responseHeaders(message);
            case RESPONSE_BODY -> responseBody(message.getResponseBody());
            case RESPONSE_TRAILERS -> responseTrailers();
            default -> fail(Status.INVALID_ARGUMENT.withDescription("empty ProcessingRequest"));
        }
    }

    private void unexpected(String what) {
        fail(Status.FAILED_PRECONDITION.withDescription("unexpected " + what + " in state " + state));
    }

    // ------------------------------------------------------------------ request path

    private void requestHeaders(ProcessingRequest message) {
        if (state != State.REQUEST_HEADERS) {
            unexpected("request_headers");
            return;
        }
        if (requestMode == BodySendMode.STREAMED) {
            fail(Status.FAILED_PRECONDITION.withDescription("request_body_mode STREAMED is not supported: Envoy "
                    + "routes before the body is seen; use FULL_DUPLEX_STREAMED or BUFFERED"));
            return;
        }
        HttpHeaders headers = message.getRequestHeaders();
        for (HeaderValue h : headers.getHeaders().getHeadersList()) {
            String key = h.getKey().toLowerCase(Locale.ROOT);
            String value = headerValue(h);
            requestHeaderList.add(new String[] { key, value });
            requestHeaders.put(key, value);
        }
        String token = requestHeaders.remove(REHEARSAL_HEADER);
        if (token != null) {
            carriedRehearsalHeader = true;
            requestHeaderList.removeIf(h -> h[0].equals(REHEARSAL_HEADER));
            // a constant-time comparison: the token is what keeps clients from rehearsing
            rehearsal = settings.rehearsalToken() != null && java.security.MessageDigest.isEqual(
                    token.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    settings.rehearsalToken().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        subsetHint = settings.ignoreSubsetHints() ? null : subsetHint(message);
        if (headers.getEndOfStream() || requestMode == BodySendMode.NONE) {
            routeWithoutBody();
            return;
        }
        state = State.REQUEST_BODY;
        if (!fullDuplex(requestMode)) {
            // BUFFERED: Envoy sends the body only once the headers are answered
            write(ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.getDefaultInstance()).build());
        }
    }

    private void requestBody(HttpBody body) {
        if (state == State.FORWARDED && !fullDuplex(requestMode)) {
            // the rest of a BUFFERED_PARTIAL body, or a body after a header-only decision: leave it alone
            write(ExtProcMessages.bodyReply(true, null));
            return;
        }
        if (state != State.REQUEST_BODY) {
            unexpected("request_body");
            return;
        }
        ByteString chunk = body.getBody();
        if ((long) requestBody.size() + chunk.size() > settings.maxBodyBytes()) {
            reject(new Decision.Rejected(413, "PayloadTooLarge",
                    "request body exceeds " + settings.maxBodyBytes() + " bytes", null));
            return;
        }
        requestBody = requestBody.concat(chunk);
        if (body.getEndOfStream() || !fullDuplex(requestMode)) {
            decide();
        }
    }

    private void requestTrailers() {
        if (state == State.REQUEST_BODY && fullDuplex(requestMode)) {
            // an HTTP/2 body that ends with trailers: no end_of_stream on the last chunk
            requestEndedWithTrailers = true;
            deferred.addFirst(ProcessingRequest.newBuilder()
                    .setRequestTrailers(io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers.getDefaultInstance())
                    .build());
            decide();
            return;
        }
        if (state == State.FORWARDED || state == State.REQUEST_BODY) {
            write(ProcessingResponse.newBuilder().setRequestTrailers(TrailersResponse.getDefaultInstance()).build());
            return;
        }
        unexpected("request_trailers");
    }

    /**
     * Headers-only request (or a body Envoy will not send): it goes through the pipeline like any other (pool,
     * admission, scheduling on load alone, in-flight accounting, completion), with an empty body.
     */
    private void routeWithoutBody() {
        headersOnly = true;
        decide();
    }

    private void decide() {
        state = State.DECIDING;
        if (rehearsal) {
            byte[] body = headersOnly ? new byte[0] : requestBody.toByteArray();
            requestBody = ByteString.EMPTY;
            pending = settings.pools().current().rehearse(requestHeaders.get(RequestHeaders.POOL),
                    requestHeaders.get(":path"), requestHeaders, body, subsetHint);
            pending.whenComplete(this::decided);
            return;
        }
        Decision.Rejected shed = settings.guard().admit(lastArrival, System.nanoTime());
        if (shed != null) {
            // the gateway is behind: answer now with the overload status rather than queue the decision for seconds
            requestBody = ByteString.EMPTY;
            reject(shed);
            return;
        }
        admitted = true;
        String path = requestHeaders.get(":path");
        CompletionStage<Decision> decision;
        try {
            byte[] body = headersOnly ? new byte[0] : requestBody.toByteArray();
            pending = settings.pools().current().submit(requestHeaders.get(RequestHeaders.POOL), path, requestHeaders, body,
                    subsetHint);
            decision = pending;
        } catch (RuntimeException e) {
            decision = CompletableFuture.failedFuture(e);
        }
        requestBody = ByteString.EMPTY; // the decision holds the bytes to forward
        decision.whenComplete(this::decided);
    }

    private synchronized void decided(Decision decision, Throwable failure) {
        if (admitted) {
            admitted = false;
            settings.guard().release();
        }
        if (state != State.DECIDING) {
            // the stream broke while the pipeline was deciding: give back what the decision took
            if (decision instanceof RoutedRequest r) {
                r.complete(ResponseOutcome.FAILED);
            }
            return;
        }
        try {
            if (failure != null) {
                LOG.errorf(failure, "request pipeline failed");
                reject(Decision.Rejected.internal("endpoint picker error: " + failure.getMessage()));
            } else if (decision instanceof Decision.Rejected rejected) {
                reject(rejected);
            } else {
                routed = (RoutedRequest) decision;
                forward(routed);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "ext_proc stream failed writing the decision");
            fail(Status.INTERNAL.withDescription("endpoint picker error: " + e));
        }
        while (!deferred.isEmpty() && state != State.DECIDING && state != State.CLOSED) {
            handle(deferred.poll());
        }
        deferred.clear();
    }

    private void forward(RoutedRequest request) {
        state = State.FORWARDED;
        String destination = request.destinationHeader();
        byte[] body = request.body();
        HeaderMutation.Builder mutation = HeaderMutation.newBuilder();
        mutation.addSetHeaders(ExtProcMessages.header(ExtProcMessages.DESTINATION, destination, false));
        if (body.length > 0) {
            mutation.addSetHeaders(ExtProcMessages.header("content-length", Integer.toString(body.length), false));
        }
        echoRequestHeaders(mutation);
        if (carriedRehearsalHeader) {
            mutation.addRemoveHeaders(REHEARSAL_HEADER); // the proxy forwards what it received unless told not to
        }
        if (missingRequestId()) {
            // the parser generated one: the model server and the logs must see the same id
            mutation.addSetHeaders(ExtProcMessages.header(OpenAiRequestParser.REQUEST_ID_HEADER,
                    request.request().requestId(), false));
        }
        for (Map.Entry<String, String> e : request.addedHeaders().entrySet()) {
            mutation.addSetHeaders(ExtProcMessages.header(e.getKey(), e.getValue(), false));
        }
        CommonResponse.Builder common = CommonResponse.newBuilder().setClearRouteCache(true)
                .setHeaderMutation(mutation);
        Struct metadata = ExtProcMessages.destinationMetadata(destination);
        if (headersOnly) {
            write(ProcessingResponse.newBuilder()
                    .setRequestHeaders(HeadersResponse.newBuilder().setResponse(common))
                    .setDynamicMetadata(metadata).build());
            return;
        }
        ByteString forwarded = ByteString.copyFrom(body);
        if (fullDuplex(requestMode)) {
            write(ProcessingResponse.newBuilder()
                    .setRequestHeaders(HeadersResponse.newBuilder().setResponse(common))
                    .setDynamicMetadata(metadata).build());
            ExtProcMessages.chunk(forwarded, !requestEndedWithTrailers,
                    (piece, eos) -> write(ExtProcMessages.streamedBody(true, piece, eos)));
        } else {
            common.setBodyMutation(io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation.newBuilder()
                    .setBody(forwarded));
            write(ProcessingResponse.newBuilder()
                    .setRequestBody(io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse.newBuilder()
                            .setResponse(common))
                    .setDynamicMetadata(metadata).build());
        }
    }

    private boolean missingRequestId() {
        String id = requestHeaders.get(OpenAiRequestParser.REQUEST_ID_HEADER);
        return id == null || id.isEmpty();
    }

    /** Sets every request header again except the system-owned ones (reference 1.6), keeping repeated values. */
    private void echoRequestHeaders(HeaderMutation.Builder mutation) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String[] h : requestHeaderList) {
            if (!ExtProcMessages.systemOwned(h[0])) {
                mutation.addSetHeaders(ExtProcMessages.header(h[0], h[1], !seen.add(h[0])));
            }
        }
    }

    // ------------------------------------------------------------------ response path

    private void responseHeaders(ProcessingRequest message) {
        if (state != State.FORWARDED) {
            unexpected("response_headers");
            return;
        }
        HttpHeaders headers = message.getResponseHeaders();
        String contentType = "";
        HeaderMutation.Builder mutation = HeaderMutation.newBuilder();
        mutation.addSetHeaders(ExtProcMessages.header(ExtProcMessages.WENT_INTO_RESP_HEADERS, "true", false));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (HeaderValue h : headers.getHeaders().getHeadersList()) {
            String key = h.getKey().toLowerCase(Locale.ROOT);
            String value = headerValue(h);
            if (key.equals(":status")) {
                try {
                    responseStatus = Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    responseStatus = 0;
                }
            } else if (key.equals("content-type")) {
                contentType = value.toLowerCase(Locale.ROOT);
            }
            if (!ExtProcMessages.systemOwned(key)) {
                mutation.addSetHeaders(ExtProcMessages.header(key, value, !seen.add(key)));
            }
        }
        streamingResponse = contentType.contains("text/event-stream");
        if (routed != null) {
            routed.responseStarted(servedEndpoint(message), responseStatus);
            rewriter = ModelNameRewriter.of(routed.request().targetModel(), routed.request().model());
            if (streamingResponse) {
                sseScanner = new SseUsageScanner();
            }
            if (rewriter != null && rewriter.changesLength() && !headers.getEndOfStream()) {
                // the rewritten body has another length than the one announced
                mutation.addRemoveHeaders("content-length");
            }
        }
        state = headers.getEndOfStream() ? State.RESPONSE_DONE : State.RESPONSE_BODY;
        write(ProcessingResponse.newBuilder()
                .setResponseHeaders(HeadersResponse.newBuilder().setResponse(
                        CommonResponse.newBuilder().setHeaderMutation(mutation)))
                .build());
        if (headers.getEndOfStream()) {
            finishResponse();
        }
    }

    private void responseBody(HttpBody body) {
        if (state != State.RESPONSE_BODY) {
            unexpected("response_body");
            return;
        }
        ByteString chunk = body.getBody();
        boolean eos = body.getEndOfStream();
        if (routed != null && !chunk.isEmpty()) {
            routed.firstChunk();
        }
        if (!fullDuplex(responseMode)) {
            // STREAMED, BUFFERED, BUFFERED_PARTIAL: each message is answered, with its replacement if it changed
            observe(chunk);
            ByteString replacement = null;
            if (rewriter != null) {
                byte[] rewritten = rewriter.rewrite(chunk.toByteArray(), true);
                replacement = ByteString.copyFrom(rewritten);
            }
            write(ExtProcMessages.bodyReply(false, replacement));
            if (eos) {
                state = State.RESPONSE_DONE;
                finishResponse();
            }
            return;
        }
        if (streamingResponse || passThrough || routed == null) {
            observe(chunk);
            emitResponse(chunk, eos, eos);
        } else {
            if ((long) responseBuffer.size() + chunk.size() > settings.maxBodyBytes()) {
                // too large to hold for usage parsing: pass it through from here on
                passThrough = true;
                responseBufferOverflow = true;
                ByteString held = responseBuffer;
                responseBuffer = ByteString.EMPTY;
                emitResponse(held, false, false);
                emitResponse(chunk, eos, eos);
            } else {
                responseBuffer = responseBuffer.concat(chunk);
                if (eos) {
                    emitResponse(responseBuffer, true, true);
                }
            }
        }
        if (eos) {
            state = State.RESPONSE_DONE;
            finishResponse();
        }
    }

    private void responseTrailers() {
        if (state != State.RESPONSE_BODY && state != State.RESPONSE_DONE) {
            unexpected("response_trailers");
            return;
        }
        if (state == State.RESPONSE_BODY) {
            if (fullDuplex(responseMode) && !responseBuffer.isEmpty()) {
                emitResponse(responseBuffer, true, false);
            } else if (fullDuplex(responseMode) && rewriter != null) {
                emitResponse(ByteString.EMPTY, true, false);
            }
            state = State.RESPONSE_DONE;
            write(ProcessingResponse.newBuilder().setResponseTrailers(TrailersResponse.getDefaultInstance()).build());
            finishResponse();
            return;
        }
        write(ProcessingResponse.newBuilder().setResponseTrailers(TrailersResponse.getDefaultInstance()).build());
    }

    /** Rewrites (when the model was rewritten) and writes response bytes as streamed pieces. */
    private void emitResponse(ByteString chunk, boolean last, boolean endOfStream) {
        ByteString bytes = chunk;
        if (rewriter != null) {
            bytes = ByteString.copyFrom(rewriter.rewrite(chunk.toByteArray(), last));
        }
        ExtProcMessages.chunk(bytes, endOfStream, (piece, eos) -> write(ExtProcMessages.streamedBody(false, piece,
                eos)));
    }

    /** Feeds streamed or non-buffered response bytes to usage extraction. */
    private void observe(ByteString chunk) {
        if (routed == null || chunk.isEmpty()) {
            return;
        }
        if (sseScanner != null) {
            sseScanner.feed(chunk.asReadOnlyByteBuffer());
        } else if (!responseBufferOverflow && !fullDuplex(responseMode)) {
            if ((long) responseBuffer.size() + chunk.size() > settings.maxBodyBytes()) {
                responseBufferOverflow = true;
                responseBuffer = ByteString.EMPTY;
            } else {
                responseBuffer = responseBuffer.concat(chunk);
            }
        }
    }

    private void finishResponse() {
        if (routed == null || routed.isComplete()) {
            return;
        }
        Optional<Usage> usage = Optional.empty();
        if (sseScanner != null) {
            usage = sseScanner.finish().usage();
        } else if (!responseBufferOverflow && !responseBuffer.isEmpty()) {
            usage = UsageParser.fromJson(responseBuffer.toByteArray());
        }
        responseBuffer = ByteString.EMPTY;
        routed.complete(ResponseOutcome.of(responseStatus, usage.orElse(null), 0));
    }

    private Endpoint servedEndpoint(ProcessingRequest message) {
        Struct lb = message.getMetadataContext().getFilterMetadataMap().get(ExtProcMessages.LB_NAMESPACE);
        if (lb == null) {
            return null;
        }
        Value served = lb.getFieldsMap().get(ExtProcMessages.SERVED);
        if (served == null || !served.hasStringValue()) {
            return null;
        }
        String address = served.getStringValue().trim();
        int comma = address.indexOf(',');
        if (comma >= 0) {
            address = address.substring(0, comma).trim();
        }
        Pool pool = routed == null ? null : settings.pools().current().named(routed.pool());
        return pool == null ? null : pool.registry().snapshot().byAddress().get(address);
    }

    // ------------------------------------------------------------------ endings

    private void reject(Decision.Rejected rejected) {
        state = State.CLOSED;
        deferred.clear();
        write(ExtProcMessages.immediate(rejected));
        closeOut();
    }

    private void fail(Status status) {
        state = State.CLOSED;
        deferred.clear();
        completeFailed();
        stopIdleTimer();
        if (!outClosed) {
            outClosed = true;
            try {
                out.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                LOG.debugf(e, "cannot fail the ext_proc stream");
            }
        }
    }

    private void completeFailed() {
        if (pending != null && !pending.isDone()) {
            pending.cancel(); // still queued in flow control: leave the queue, nobody waits for it any more
        }
        if (routed != null && !routed.isComplete()) {
            routed.complete(ResponseOutcome.FAILED);
        }
    }

    private void closeOut() {
        stopIdleTimer();
        if (!outClosed) {
            outClosed = true;
            try {
                out.onCompleted();
            } catch (RuntimeException e) {
                LOG.debugf(e, "cannot close the ext_proc stream");
            }
        }
    }

    private void write(ProcessingResponse response) {
        if (outClosed) {
            return;
        }
        try {
            out.onNext(response);
        } catch (RuntimeException e) {
            // the call was cancelled under us
            LOG.debugf(e, "cannot write to the ext_proc stream");
            outClosed = true;
            state = State.CLOSED;
            completeFailed();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static boolean fullDuplex(BodySendMode mode) {
        return mode == BodySendMode.FULL_DUPLEX_STREAMED;
    }

    /** Header value: {@code raw_value} when non-empty, else {@code value}, as llm-d reads them. */
    static String headerValue(HeaderValue h) {
        return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
    }

    /**
     * The proxy's subset hint: null when there is none (all endpoints), else the listed addresses (non-string entries
     * ignored; an empty list leaves no candidate, hence 503).
     */
    static List<String> subsetHint(ProcessingRequest message) {
        if (!message.hasMetadataContext()) {
            return null;
        }
        Metadata metadata = message.getMetadataContext();
        Struct hint = metadata.getFilterMetadataMap().get(ExtProcMessages.SUBSET_NAMESPACE);
        if (hint == null) {
            return null;
        }
        Value subset = hint.getFieldsMap().get(ExtProcMessages.SUBSET);
        if (subset == null) {
            return null;
        }
        List<String> addresses = new ArrayList<>();
        if (subset.hasListValue()) {
            for (Value v : subset.getListValue().getValuesList()) {
                if (v.hasStringValue()) {
                    addresses.add(v.getStringValue());
                }
            }
        } else if (subset.hasStringValue()) {
            for (String s : subset.getStringValue().split(",")) {
                if (!s.isBlank()) {
                    addresses.add(s.trim());
                }
            }
        }
        return addresses;
    }

}
