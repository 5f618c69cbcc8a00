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
 * A trivial ext_proc picker on a loopback port. It answers every exchange the way the real picker does in
 * FULL_DUPLEX_STREAMED mode (once the request body has ended, the request-headers reply with a destination, then the
 * body echoed; the response side echoed; the stream closed after the response body) and decides nothing. The load
 * client warms its own code against it before a measurement (without that, the client's first seconds run
 * interpreted and its own delays are counted as the picker's latency), and {@code llmd-bench picker} serves it on
 * its own, as the floor of the same transport on the same machine: what a picker that took no time would show.
 */
final class LoopbackPicker implements AutoCloseable {

    private final Server server;

    LoopbackPicker() {
        this(0);
    }

    /** Serves on {@code 127.0.0.1:port}; 0 picks a free port. */
    LoopbackPicker(int port) {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).directExecutor()
                    .addService(new Service()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the loopback picker", e);
        }
    }

    /** Waits until the server has terminated (or the thread is interrupted). */
    void awaitTermination() throws InterruptedException {
        server.awaitTermination();
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

        /** The request-headers reply: one fixed destination. */
        private static final ProcessingResponse DECIDED = ProcessingResponse.newBuilder()
                .setRequestHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder()
                        .setHeaderMutation(HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
                                .setHeader(HeaderValue.newBuilder().setKey(ExtProcDriver.DESTINATION)
                                        .setRawValue(ByteString.copyFromUtf8("127.0.0.1:1")))))))
                .build();

        @Override
        public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
            return new StreamObserver<>() {
                @Override
                public void onNext(ProcessingRequest r) {
                    if (r.hasRequestHeaders()) {
                        if (r.getRequestHeaders().getEndOfStream()) {
                            out.onNext(DECIDED); // no body to wait for
                        }
                    } else if (r.hasRequestBody()) {
                        if (r.getRequestBody().getEndOfStream()) {
                            // the real picker decides once the body has ended, and answers the headers then
                            out.onNext(DECIDED);
                        }
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
