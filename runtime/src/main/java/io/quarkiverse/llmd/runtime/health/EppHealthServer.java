package io.quarkiverse.llmd.runtime.health;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.extproc.ExtProcWarmUp;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The gRPC health server of the endpoint picker, on its own port ({@code quarkus.llmd.ext-proc.health-port}, 9003 by
 * default, as llm-d's {@code --grpc-health-port}), plaintext, started and stopped with the application. A separate
 * small grpc-netty server on one event-loop thread: the Quarkus gRPC server carries the ext_proc service only, and
 * the Vert.x gRPC server would share a listener with it when both ask for port 0.
 */
@Singleton
public class EppHealthServer {

    private static final Logger LOG = Logger.getLogger(EppHealthServer.class);

    private final LlmdConfig config;
    private final PoolDirectory pools;
    private final DynamicPools dynamic;
    private final ExtProcWarmUp warmUp;
    private volatile Server server;
    private volatile EventLoopGroup group;
    private volatile EppHealthService service;
    private volatile ScheduledFuture<?> watchTimer;

    public EppHealthServer(LlmdConfig config, PoolDirectory pools, DynamicPools dynamic, ExtProcWarmUp warmUp) {
        this.config = config;
        this.pools = pools;
        this.dynamic = dynamic;
        this.warmUp = warmUp;
    }

    void start(@Observes StartupEvent event) {
        if (!config.extProc().healthEnabled()) {
            return;
        }
        EppHealthService health = new EppHealthService(() -> PoolsReadiness.ready(pools, dynamic, warmUp));
        EventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("llmd-grpc-health", true));
        Server s = NettyServerBuilder
                .forAddress(new InetSocketAddress(config.extProc().healthHost(), config.extProc().healthPort()))
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .channelType(NioServerSocketChannel.class)
                .directExecutor()
                .addService(health)
                .build();
        try {
            s.start();
        } catch (IOException e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new UncheckedIOException("cannot start the gRPC health server on port "
                    + config.extProc().healthPort(), e);
        }
        this.service = health;
        this.group = loop;
        this.server = s;
        this.watchTimer = loop.scheduleAtFixedRate(health::refreshWatchers, 1, 1, TimeUnit.SECONDS);
        LOG.infof("gRPC health server listening on %s:%d", config.extProc().healthHost(), s.getPort());
    }

    void stop(@Observes ShutdownEvent event) {
        Server s = server;
        if (s == null) {
            return;
        }
        server = null;
        if (watchTimer != null) {
            watchTimer.cancel(false);
        }
        service.closeWatchers();
        s.shutdown();
        try {
            if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
                s.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.shutdownNow();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** The bound port (the real one when 0 was configured), or -1 when the server does not run. */
    public int port() {
        Server s = server;
        return s == null ? -1 : s.getPort();
    }

    /** The health service, for in-process checks; null when the server does not run. */
    public EppHealthService service() {
        return service;
    }
}
