package io.quarkiverse.llmd.runtime.extproc;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.runtime.config.ExtProcConfig;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;

/**
 * Limits of the ext_proc gRPC server (the Quarkus gRPC server on its own port): concurrent streams per connection,
 * the idle-connection GOAWAY, the {@link ArrivalTracer} that lets the picker see how long a message waited, and the
 * {@link EventLoopCallExecutor} that runs the stream's callbacks on the reading event loop without re-queueing them.
 * Keepalive is Quarkus's {@code quarkus.grpc.server.netty.keep-alive-time} / {@code permit-keep-alive-time}. Applies to
 * the separate gRPC server (Quarkus's default, {@code quarkus.grpc.server.use-separate-server=true}), which Quarkus
 * builds with a {@link VertxServerBuilder}.
 */
@Singleton
public class ExtProcServerCustomizer implements ServerBuilderCustomizer<VertxServerBuilder> {

    private static final String PREFIX = "quarkus.llmd.ext-proc.";

    private final ExtProcConfig config;

    public ExtProcServerCustomizer(LlmdConfig config) {
        this.config = config.extProc();
    }

    @Override
    public void customize(GrpcServerConfiguration grpc, VertxServerBuilder builder) {
        if (config.maxConcurrentStreamsPerConnection() < 0) {
            throw new ConfigException(PREFIX + "max-concurrent-streams-per-connection", 0, null,
                    "must be 0 (no limit) or more, not " + config.maxConcurrentStreamsPerConnection());
        }
        if (config.maxConnectionIdle().isNegative()) {
            throw new ConfigException(PREFIX + "max-connection-idle", 0, null, "must not be negative, not "
                    + config.maxConnectionIdle());
        }
        builder.addStreamTracerFactory(ArrivalTracer.FACTORY);
        NettyServerBuilder netty = builder.nettyBuilder();
        netty.callExecutor(new EventLoopCallExecutor(ExternalProcessorGrpc.getProcessMethod().getFullMethodName()));
        if (config.maxConcurrentStreamsPerConnection() > 0) {
            netty.maxConcurrentCallsPerConnection(config.maxConcurrentStreamsPerConnection());
        }
        if (!config.maxConnectionIdle().isZero()) {
            netty.maxConnectionIdle(config.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
