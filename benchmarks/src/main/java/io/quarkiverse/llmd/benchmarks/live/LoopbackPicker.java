package io.quarkiverse.llmd.benchmarks.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * A trivial ext_proc picker on a loopback port, for the load client to warm its own code against before a
 * measurement: it answers every exchange the way the real picker does in FULL_DUPLEX_STREAMED mode (a destination in
 * the request-headers reply, each body chunk echoed, the stream closed after the response body) and decides nothing.
 * Without it, the client's first seconds run interpreted and its own delays are counted as the picker's latency.
 */
final class LoopbackPicker implements AutoCloseable {

    private final Server server;

    LoopbackPicker() {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                    .addService(new Service()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the loopback picker", e);
        }
    }

    /** {@code 127.0.0.1:port}, the target to give the client. */
    String target() {
        return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Service extends ExternalProcessorGrpc.ExternalProcessorImplBase {
        @Override
        public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
            return new StreamObserver<>() {
                @Override
                public void onNext(ProcessingRequest r) {
                    if (r.hasRequestHeaders()) {
                        out.onNext(ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.newBuilder()
                                .setResponse(CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder()
                                        .addSetHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
                                                .setKey(ExtProcDriver.DESTINATION)
                                                .setRawValue(ByteString.copyFromUtf8("127.0.0.1:1")))))))
                                .build());
                    } else if (r.hasRequestBody()) {
                        out.onNext(ProcessingResponse.newBuilder().setRequestBody(echo(r.getRequestBody())).build());
                    } else if (r.hasResponseHeaders()) {
                        out.onNext(ProcessingResponse.newBuilder()
                                .setResponseHeaders(HeadersResponse.getDefaultInstance()).build());
                    } else if (r.hasResponseBody()) {
                        out.onNext(ProcessingResponse.newBuilder().setResponseBody(echo(r.getResponseBody())).build());
                        if (r.getResponseBody().getEndOfStream()) {
                            out.onCompleted();
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }

        private static BodyResponse echo(HttpBody body) {
            return BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder().setBodyMutation(
                    BodyMutation.newBuilder().setStreamedResponse(StreamedBodyResponse.newBuilder()
                            .setBody(body.getBody()).setEndOfStream(body.getEndOfStream())))).build();
        }
    }
}
