package io.quarkiverse.llmd.benchmarks.live;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.quarkiverse.llmd.benchmarks.sim.RequestLog;

/**
 * Plays Envoy against an ext_proc endpoint picker in FULL_DUPLEX_STREAMED mode (llm-d's mode). Per request it opens
 * a {@code Process} stream and sends the request headers ({@code :method}, {@code :path}, {@code :authority},
 * {@code content-type}, {@code x-request-id}) with the {@code protocol_config}, then the whole JSON body with
 * {@code end_of_stream}. The picker answers the headers once it has scheduled: the time from sending the headers to
 * that reply (which carries {@code x-gateway-destination-endpoint}) is the decision latency, recorded as the first
 * token. When the forwarded body has come back, the response side follows at once, as if the chosen pod had
 * answered instantly: response headers ({@code :status 200}, the served endpoint in {@code envoy.lb} metadata) and a
 * small JSON body with {@code usage}, end of stream, so that the picker's response hooks (in-flight counters,
 * prefix index, metrics) run. The request ends when the picker has echoed the response body and closed the stream.
 */
final class ExtProcDriver implements Driver {

    static final String DESTINATION = "x-gateway-destination-endpoint";

    private final LiveRun run;
    private final String target;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<ExternalProcessorGrpc.ExternalProcessorStub> stubs = new ArrayList<>();
    private final AtomicLong next = new AtomicLong();
    private final Map<String, Integer> destinations = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger destinationIds = new java.util.concurrent.atomic.AtomicInteger();
    private final String model;
    private final ProtocolConfiguration protocol = ProtocolConfiguration.newBuilder()
            .setRequestBodyMode(BodySendMode.FULL_DUPLEX_STREAMED)
            .setResponseBodyMode(BodySendMode.FULL_DUPLEX_STREAMED).build();

    ExtProcDriver(LiveRun run, String target, int connections, boolean tlsInsecure, String model) {
        this.run = run;
        this.target = target;
        this.model = model;
        String hostPort = target.replaceFirst("^[a-z]+://", "");
        if (hostPort.endsWith("/")) {
            hostPort = hostPort.substring(0, hostPort.length() - 1);
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--target for extproc mode is HOST:PORT, got '" + target + "'");
        }
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        for (int c = 0; c < Math.max(1, connections); c++) {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port).directExecutor()
                    .maxInboundMessageSize(64 << 20);
            if (tlsInsecure) {
                try {
                    b.sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                            .build());
                } catch (javax.net.ssl.SSLException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                b.usePlaintext();
            }
            ManagedChannel ch = b.build();
            channels.add(ch);
            stubs.add(ExternalProcessorGrpc.newStub(ch));
        }
        connect(channels, 10_000);
    }

    /**
     * Opens the connections before the first send: a channel connects lazily, so the first requests would otherwise
     * count the TCP and TLS handshakes (and the server's first-connection work) in their decision latency. A channel
     * that does not get ready in time is left as it is; its requests then fail with the reason counted.
     */
    private static void connect(List<ManagedChannel> channels, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        for (ManagedChannel ch : channels) {
            ConnectivityState state = ch.getState(true);
            while (state != ConnectivityState.READY && state != ConnectivityState.SHUTDOWN
                    && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                state = ch.getState(state == ConnectivityState.IDLE);
            }
        }
    }

    @Override
    public List<String> targets() {
        return List.of(target);
    }

    /** The pod index recorded in requests.csv for each destination the picker chose. */
    Map<String, Integer> destinations() {
        return destinations;
    }

    @Override
    public void send(int i, byte[] body, String path) {
        var stub = stubs.get((int) (next.getAndIncrement() % stubs.size()));
        Exchange ex = new Exchange(i);
        ex.out = stub.process(ex);
        HeaderMap.Builder h = HeaderMap.newBuilder();
        header(h, ":method", "POST");
        header(h, ":path", path);
        header(h, ":authority", "llmd-bench.live");
        header(h, ":scheme", "http");
        header(h, "content-type", "application/json");
        header(h, "content-length", Integer.toString(body.length));
        header(h, "x-request-id", "live-" + run.runId() + "-" + i);
        ex.sendNext(ProcessingRequest.newBuilder().setProtocolConfig(protocol)
                .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(h).setEndOfStream(false)).build());
        ex.sendNext(ProcessingRequest.newBuilder()
                .setRequestBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(true))
                .build());
    }

    private static void header(HeaderMap.Builder h, String k, String v) {
        h.addHeaders(HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v)));
    }

    /** One ext_proc stream. */
    private final class Exchange implements StreamObserver<ProcessingResponse> {
        final int i;
        StreamObserver<ProcessingRequest> out;
        String destination;
        boolean responseSent;
        boolean halfClosed;

        Exchange(int i) {
            this.i = i;
        }

        synchronized void sendNext(ProcessingRequest r) {
            out.onNext(r);
        }

        synchronized void halfClose() {
            if (!halfClosed) {
                halfClosed = true;
                out.onCompleted();
            }
        }

        @Override
        public void onNext(ProcessingResponse r) {
            double now = run.now();
            LiveLog log = run.log();
            if (r.hasImmediateResponse()) {
                // the picker refused the request (no endpoint, shed, bad body): Envoy answers the client itself
                int code = r.getImmediateResponse().getStatus().getCodeValue();
                run.end(i, destination == null ? RequestLog.REJECTED : RequestLog.ERROR, "ImmediateResponse "
                        + code + (destination == null ? " (rejected before a destination)" : " (after routing)"));
                halfClose();
                return;
            }
            if (r.hasRequestHeaders()) {
                destination = destinationOf(r);
                log.firstToken[i] = now;
                if (destination != null) {
                    log.pod[i] = destinations.computeIfAbsent(destination, d -> destinationIds.getAndIncrement());
                }
                return;
            }
            if (r.hasRequestBody()) {
                if (endOfStream(r.getRequestBody()) && !responseSent) {
                    responseSent = true;
                    respond();
                }
                return;
            }
            if (r.hasResponseBody() && endOfStream(r.getResponseBody())) {
                halfClose();
            }
        }

        private void respond() {
            LiveLog log = run.log();
            HeaderMap.Builder h = HeaderMap.newBuilder();
            header(h, ":status", "200");
            header(h, "content-type", "application/json");
            ProcessingRequest.Builder headers = ProcessingRequest.newBuilder()
                    .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(h).setEndOfStream(false));
            if (destination != null) {
                headers.setMetadataContext(Metadata.newBuilder().putFilterMetadata("envoy.lb", Struct.newBuilder()
                        .putFields(DESTINATION + "-served", Value.newBuilder().setStringValue(destination).build())
                        .build()));
            }
            sendNext(headers.build());
            int prompt = log.promptTokens[i];
            int output = Math.max(1, run.plannedOutput(i));
            String json = "{\"id\":\"live-" + i + "\",\"object\":\"chat.completion\",\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                    + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":" + prompt
                    + ",\"completion_tokens\":" + output + ",\"total_tokens\":" + (prompt + output) + "}}";
            sendNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                    .setBody(ByteString.copyFromUtf8(json)).setEndOfStream(true)).build());
        }

        @Override
        public void onError(Throwable t) {
            run.failed(i, t);
        }

        @Override
        public void onCompleted() {
            if (destination != null) {
                run.ended(i, RequestLog.OK);
            } else {
                run.end(i, RequestLog.REJECTED, "stream closed without a destination");
            }
        }
    }

    private static boolean endOfStream(BodyResponse body) {
        var mutation = body.getResponse().getBodyMutation();
        // a streamed echo ends with end_of_stream; any other reply (buffered mode) is the whole body
        return !mutation.hasStreamedResponse() || mutation.getStreamedResponse().getEndOfStream();
    }

    static String destinationOf(ProcessingResponse r) {
        for (HeaderValueOption o : r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList()) {
            HeaderValue h = o.getHeader();
            if (h.getKey().equalsIgnoreCase(DESTINATION)) {
                return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
            }
        }
        Value lb = r.getDynamicMetadata().getFieldsMap().get("envoy.lb");
        if (lb != null) {
            Value d = lb.getStructValue().getFieldsMap().get(DESTINATION);
            if (d != null) {
                return d.getStringValue();
            }
        }
        return null;
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
