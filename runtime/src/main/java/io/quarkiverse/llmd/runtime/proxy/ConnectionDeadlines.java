package io.quarkiverse.llmd.runtime.proxy;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkiverse.llmd.runtime.config.ProxyConfig;
import io.quarkus.vertx.http.HttpServerStart;
import io.quarkus.vertx.http.HttpsServerStart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.ServerID;
import io.vertx.core.net.impl.TCPServerBase;
import io.vertx.ext.web.Router;

/**
 * Gives every connection of the HTTP port a {@link RequestHeadDeadline} ({@code proxy.request-header-timeout},
 * {@code proxy.keep-alive-timeout}).
 * <p>
 * Neither Quarkus 3.27 nor Vert.x 4.5 offer a hook before a request head is parsed: Vert.x's connection handler is
 * called only once the first head is complete when HTTP/2 cleartext upgrade is on (Quarkus's default), Quarkus does
 * not expose its {@code HttpServer}, and the idle timeout restarts with every byte. So once Quarkus reports its HTTP
 * server listening, a Netty handler is put in front of the listening socket's acceptor: it sees each accepted channel
 * before Vert.x initialises it and puts the connection's deadline first in its pipeline. The listening channel is a
 * private field of Vert.x's {@code TCPServerBase}, read by reflection; if a Vert.x upgrade moves it, startup logs an
 * error and {@code RequestHeaderTimeoutTest} fails.
 */
@Singleton
public class ConnectionDeadlines {

    private static final Logger LOG = Logger.getLogger(ConnectionDeadlines.class);
    private static final String ACCEPTOR_HOOK = "llmdRequestHeadDeadlines";

    private final ProxyConfig config;
    private final Vertx vertx;
    private final AtomicLong headTimeouts = new AtomicLong();
    private final AtomicLong keepAliveTimeouts = new AtomicLong();
    private final RequestHeadDeadline.HeadTimeouts counter;

    public ConnectionDeadlines(LlmdConfig config, Vertx vertx, Instance<MeterRegistry> registries) {
        this.config = config.proxy();
        this.vertx = vertx;
        Counter head = null;
        Counter keepAlive = null;
        if (registries.isResolvable()) {
            MeterRegistry registry = registries.get();
            String name = "llm_d_epp_proxy_connection_timeouts_total";
            String help = "Client connections of the HTTP port closed by request-header-timeout (phase=request_head) "
                    + "or keep-alive-timeout (phase=keep_alive)";
            head = Counter.builder(name).description(help).tag("phase", "request_head").register(registry);
            keepAlive = Counter.builder(name).description(help).tag("phase", "keep_alive").register(registry);
        }
        Counter headCounter = head;
        Counter keepAliveCounter = keepAlive;
        counter = beforeFirstRequest -> {
            (beforeFirstRequest ? headTimeouts : keepAliveTimeouts).incrementAndGet();
            Counter c = beforeFirstRequest ? headCounter : keepAliveCounter;
            if (c != null) {
                c.increment();
            }
        };
    }

    /** Connections closed because their first request head was not complete in time. */
    public long headTimeouts() {
        return headTimeouts.get();
    }

    /** Keep-alive connections closed because no next request came in time. */
    public long keepAliveTimeouts() {
        return keepAliveTimeouts.get();
    }

    private boolean enabled() {
        return !config.requestHeaderTimeout().isZero() || !config.keepAliveTimeout().isZero();
    }

    /** The first route of the application router: the head of each request is complete when it gets here. */
    void routes(@Observes Router router) {
        if (!enabled()) {
            return;
        }
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            if (ctx.request().connection() instanceof ConnectionBase conn) {
                RequestHeadDeadline deadline = conn.channel().attr(RequestHeadDeadline.KEY).get();
                if (deadline != null) {
                    deadline.requestStarted(ctx.request().connection());
                    if ("websocket".equalsIgnoreCase(ctx.request().getHeader("upgrade"))) {
                        deadline.upgraded();
                    } else {
                        ctx.addEndHandler(ended -> deadline.requestEnded());
                    }
                }
            }
            ctx.next();
        });
    }

    void httpStarted(@ObservesAsync HttpServerStart started) {
        install(started.options());
    }

    void httpsStarted(@ObservesAsync HttpsServerStart started) {
        install(started.options());
    }

    private void install(HttpServerOptions options) {
        if (!enabled()) {
            return;
        }
        Map<ServerID, HttpServerImpl> servers = ((VertxInternal) vertx).sharedHttpServers();
        int installed = 0;
        synchronized (servers) {
            for (Map.Entry<ServerID, HttpServerImpl> e : servers.entrySet()) {
                // Quarkus listens on a negative port for "random, shared by the event loops" (tests); either way
                // the key of the shared server is the port Quarkus configured
                if (e.getKey().port == options.getPort()) {
                    Channel listening = listeningChannel(e.getValue());
                    if (listening != null) {
                        hook(listening);
                        installed++;
                    }
                }
            }
        }
        if (installed == 0) {
            LOG.errorf("request-header-timeout and keep-alive-timeout are NOT enforced on port %d: the listening"
                    + " socket of Quarkus's HTTP server was not found (Vert.x internals changed?)", options.getPort());
        }
    }

    private void hook(Channel listening) {
        if (listening.pipeline().get(ACCEPTOR_HOOK) != null) {
            return;
        }
        long head = config.requestHeaderTimeout().toNanos();
        long keepAlive = config.keepAliveTimeout().toNanos();
        listening.pipeline().addFirst(ACCEPTOR_HOOK, new AcceptorHook(head, keepAlive, counter));
        LOG.debugf("HTTP connections on %s: request head within %s, next request within %s",
                listening.localAddress(), config.requestHeaderTimeout(), config.keepAliveTimeout());
    }

    private static Channel listeningChannel(TCPServerBase server) {
        try {
            Field f = TCPServerBase.class.getDeclaredField("bindFuture");
            f.setAccessible(true);
            Object bound = f.get(server);
            if (bound instanceof Future<?> future && future.result() instanceof Channel channel) {
                return channel;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("cannot read the listening channel of the HTTP server", e);
        }
        return null;
    }

    /**
     * In the listening socket's pipeline, before Netty's acceptor: each message is an accepted channel, not yet
     * registered nor initialised by Vert.x, so the deadline lands first in its pipeline and starts when it is active.
     */
    @ChannelHandler.Sharable
    static final class AcceptorHook extends ChannelInboundHandlerAdapter {

        private final long headTimeoutNanos;
        private final long keepAliveTimeoutNanos;
        private final RequestHeadDeadline.HeadTimeouts counter;

        AcceptorHook(long headTimeoutNanos, long keepAliveTimeoutNanos, RequestHeadDeadline.HeadTimeouts counter) {
            this.headTimeoutNanos = headTimeoutNanos;
            this.keepAliveTimeoutNanos = keepAliveTimeoutNanos;
            this.counter = counter;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof Channel accepted) {
                accepted.pipeline().addFirst(RequestHeadDeadline.NAME,
                        new RequestHeadDeadline(headTimeoutNanos, keepAliveTimeoutNanos, counter));
            }
            super.channelRead(ctx, msg);
        }
    }
}
