package io.quarkiverse.llmd.it.extproc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Plays Envoy's part of the ext_proc protocol against the picker, built on Envoy's generated stubs: sends the
 * protocol configuration, request headers, body chunks, response headers and body as Envoy does in each body mode,
 * and collects the replies.
 */
final class EnvoyExtProcClient implements AutoCloseable {

    /** Guard against a hung test, not a timing assertion. */
    static final long WAIT_SECONDS = 20;

    private final ManagedChannel channel;
    private final ExternalProcessorGrpc.ExternalProcessorStub stub;

    private EnvoyExtProcClient(ManagedChannel channel) {
        this.channel = channel;
        this.stub = ExternalProcessorGrpc.newStub(channel);
    }

    /** The port the Quarkus gRPC server really listens on in this test run. */
    static int grpcPort() {
        return ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    }

    static EnvoyExtProcClient plaintext() {
        return new EnvoyExtProcClient(NettyChannelBuilder.forAddress("127.0.0.1", grpcPort()).usePlaintext().build());
    }

    /** TLS, trusting any certificate (Envoy does not verify the picker's certificate unless configured to). */
    static EnvoyExtProcClient tlsTrustAll() throws Exception {
        return new EnvoyExtProcClient(NettyChannelBuilder.forAddress("localhost", grpcPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                .build());
    }

    Exchange open() {
        return new Exchange(stub);
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ message builders

    static HttpHeaders headers(Map<String, String> headers, boolean endOfStream) {
        HeaderMap.Builder map = HeaderMap.newBuilder();
        headers.forEach((k, v) -> map.addHeaders(HeaderValue.newBuilder().setKey(k)
                .setRawValue(ByteString.copyFromUtf8(v))));
        return HttpHeaders.newBuilder().setHeaders(map).setEndOfStream(endOfStream).build();
    }

    static Map<String, String> requestHeaders(String path, String... more) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(":method", "POST");
        h.put(":path", path);
        h.put(":authority", "gateway.example");
        h.put("content-type", "application/json");
        for (int i = 0; i + 1 < more.length; i += 2) {
            h.put(more[i], more[i + 1]);
        }
        return h;
    }

    static Metadata subsetHint(String... addresses) {
        ListValue.Builder list = ListValue.newBuilder();
        for (String a : addresses) {
            list.addValues(Value.newBuilder().setStringValue(a));
        }
        return Metadata.newBuilder().putFilterMetadata("envoy.lb.subset_hint", Struct.newBuilder()
                .putFields("x-gateway-destination-endpoint-subset", Value.newBuilder().setListValue(list).build())
                .build()).build();
    }

    static Metadata served(String address) {
        return Metadata.newBuilder().putFilterMetadata("envoy.lb", Struct.newBuilder()
                .putFields("x-gateway-destination-endpoint-served", Value.newBuilder().setStringValue(address)
                        .build())
                .build()).build();
    }

    static ProtocolConfiguration protocol(BodySendMode mode) {
        return ProtocolConfiguration.newBuilder().setRequestBodyMode(mode).setResponseBodyMode(mode).build();
    }

    /** Header values set by a header mutation, by lower-case name (repeated names keep the last). */
    static Map<String, String> setHeaders(List<HeaderValueOption> options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (HeaderValueOption o : options) {
            HeaderValue h = o.getHeader();
            m.put(h.getKey(), h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8());
        }
        return m;
    }

    /** The {@code envoy.lb} destination in a reply's dynamic metadata, or null. */
    static String metadataDestination(ProcessingResponse r) {
        Value lb = r.getDynamicMetadata().getFieldsMap().get("envoy.lb");
        if (lb == null) {
            return null;
        }
        Value d = lb.getStructValue().getFieldsMap().get("x-gateway-destination-endpoint");
        return d == null ? null : d.getStringValue();
    }

    // ------------------------------------------------------------------ one stream

    /** One ext_proc stream (one HTTP request). */
    static final class Exchange implements AutoCloseable {

        final LinkedBlockingQueue<ProcessingResponse> replies = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        private final StreamObserver<ProcessingRequest> requests;
        private volatile ClientCallStreamObserver<ProcessingRequest> call;

        Exchange(ExternalProcessorGrpc.ExternalProcessorStub stub) {
            requests = stub.process(new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ProcessingRequest> requestStream) {
                    call = requestStream;
                }

                @Override
                public void onNext(ProcessingResponse value) {
                    replies.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    closed.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    closed.complete(Status.OK);
                }
            });
        }

        Exchange send(ProcessingRequest request) {
            requests.onNext(request);
            return this;
        }

        Exchange requestHeaders(BodySendMode mode, Map<String, String> headers, boolean endOfStream,
                Metadata metadata) {
            ProcessingRequest.Builder b = ProcessingRequest.newBuilder()
                    .setRequestHeaders(headers(headers, endOfStream)).setProtocolConfig(protocol(mode));
            if (metadata != null) {
                b.setMetadataContext(metadata);
            }
            return send(b.build());
        }

        Exchange requestBody(byte[] body, boolean endOfStream) {
            return send(ProcessingRequest.newBuilder()
                    .setRequestBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(endOfStream))
                    .build());
        }

        /** The body in chunks of {@code chunkSize} bytes, end of stream on the last, as Envoy streams it. */
        Exchange requestBodyChunks(byte[] body, int chunkSize) {
            for (int off = 0; off < body.length; off += chunkSize) {
                int end = Math.min(body.length, off + chunkSize);
                byte[] piece = java.util.Arrays.copyOfRange(body, off, end);
                requestBody(piece, end == body.length);
            }
            return this;
        }

        Exchange requestTrailers() {
            return send(ProcessingRequest.newBuilder().setRequestTrailers(HttpTrailers.getDefaultInstance()).build());
        }

        Exchange responseHeaders(Map<String, String> headers, boolean endOfStream, Metadata metadata) {
            ProcessingRequest.Builder b = ProcessingRequest.newBuilder()
                    .setResponseHeaders(headers(headers, endOfStream));
            if (metadata != null) {
                b.setMetadataContext(metadata);
            }
            return send(b.build());
        }

        Exchange responseBody(String chunk, boolean endOfStream) {
            return send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                    .setBody(ByteString.copyFromUtf8(chunk)).setEndOfStream(endOfStream)).build());
        }

        ProcessingResponse next() throws InterruptedException {
            ProcessingResponse r = replies.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("no reply from the picker; stream status: " + closed.getNow(null));
            }
            return r;
        }

        /** Streamed body replies until one carries end_of_stream; returns the concatenated bytes. */
        StreamedBody streamedBody(boolean request) throws InterruptedException {
            List<Integer> sizes = new ArrayList<>();
            ByteString all = ByteString.EMPTY;
            while (true) {
                ProcessingResponse r = next();
                var body = request ? r.getRequestBody() : r.getResponseBody();
                if (request ? !r.hasRequestBody() : !r.hasResponseBody()) {
                    throw new AssertionError("expected a body reply, got " + r);
                }
                var streamed = body.getResponse().getBodyMutation().getStreamedResponse();
                sizes.add(streamed.getBody().size());
                all = all.concat(streamed.getBody());
                if (streamed.getEndOfStream()) {
                    return new StreamedBody(all.toByteArray(), sizes);
                }
            }
        }

        /** Half-closes like Envoy does once the exchange is over. */
        void finish() {
            requests.onCompleted();
        }

        /** Resets the stream like Envoy does when the client goes away. */
        void cancel() {
            call.cancel("client disconnected", null);
        }

        Status awaitClosed() throws Exception {
            return closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            if (!closed.isDone()) {
                try {
                    requests.onCompleted();
                } catch (RuntimeException e) {
                    // already closed
                }
            }
        }
    }

    record StreamedBody(byte[] bytes, List<Integer> pieceSizes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
