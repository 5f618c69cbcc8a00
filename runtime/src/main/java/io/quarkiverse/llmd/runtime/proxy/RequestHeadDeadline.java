package io.quarkiverse.llmd.runtime.proxy;

import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;

/**
 * The deadline of one client connection on the HTTP port, first in its Netty pipeline: a connection must complete a
 * request head within {@code headTimeout} of being accepted, and must start its next request within
 * {@code keepAliveTimeout} of its last response; otherwise it is closed. While a request is in progress nothing is
 * timed, so a slow streaming response is never cut by it.
 * <p>
 * Netty cannot tell when the HTTP head is complete without parsing, and Vert.x builds the HTTP pipeline only once the
 * first bytes arrive, so the start and end of each request are reported from the router ({@link #requestStarted},
 * {@link #requestEnded}): the router sees a request only once its head is parsed. Every method runs on the
 * connection's event loop (callers hop onto it), so the state needs no synchronisation.
 */
final class RequestHeadDeadline extends ChannelInboundHandlerAdapter {

    /** Where the router finds the deadline of a request's connection. */
    static final AttributeKey<RequestHeadDeadline> KEY = AttributeKey.valueOf("llmd-request-head-deadline");
    static final String NAME = "llmdRequestHeadDeadline";

    private final long headTimeoutNanos;
    private final long keepAliveTimeoutNanos;
    private final HeadTimeouts counter;
    private Channel channel;
    private ScheduledFuture<?> timer;
    /** Requests whose head arrived and whose response is not complete (HTTP/2 may have several). */
    private int inProgress;
    private boolean sawRequest;
    /** A WebSocket took the connection over: it is no longer HTTP requests, nothing is timed any more. */
    private boolean upgraded;
    private HttpConnection connection;

    /** Counts the connections closed by a deadline, per kind. */
    interface HeadTimeouts {
        void closed(boolean beforeFirstRequest);
    }

    RequestHeadDeadline(long headTimeoutNanos, long keepAliveTimeoutNanos, HeadTimeouts counter) {
        this.headTimeoutNanos = headTimeoutNanos;
        this.keepAliveTimeoutNanos = keepAliveTimeoutNanos;
        this.counter = counter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.attr(KEY).set(this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(headTimeoutNanos);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    /** A request head of this connection reached the router. */
    void requestStarted(HttpConnection conn) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> requestStarted(conn));
            return;
        }
        connection = conn;
        sawRequest = true;
        inProgress++;
        cancel();
    }

    /** The connection was upgraded to a WebSocket (the Dev UI's, for instance): stop timing it. */
    void upgraded() {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(this::upgraded);
            return;
        }
        upgraded = true;
        cancel();
    }

    /** A request of this connection is over (response complete, reset or connection closed). */
    void requestEnded() {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(this::requestEnded);
            return;
        }
        if (inProgress > 0 && --inProgress == 0 && channel.isActive()) {
            arm(keepAliveTimeoutNanos);
        }
    }

    private void arm(long nanos) {
        cancel();
        if (nanos > 0 && !upgraded) {
            timer = channel.eventLoop().schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (inProgress > 0 || !channel.isActive()) {
            return;
        }
        counter.closed(!sawRequest);
        if (connection != null) {
            connection.close(); // HTTP/2: a GOAWAY first; HTTP/1.1: no request is in progress, the socket closes
        } else {
            channel.close();
        }
    }
}
