package io.quarkiverse.llmd.runtime.extproc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * How far behind each event loop is, from a timer on every loop that measures its own lateness.
 * <p>
 * Why: when the gateway cannot keep up, requests wait before the transport reads them (in socket buffers, HTTP/2
 * flow-control windows and the proxy's own queue), where no timestamp on a read message can see the wait. A loop
 * that is busy for long stretches runs its timers late, so the lateness is a cheap, always-current estimate of how
 * long bytes that reach the loop now will wait before they are read. While it exceeds a bound, the picker refuses new
 * streams before it parses anything (Envoy's overload manager does the same for its own event loops), and the cheap
 * refusals let the loop catch up.
 * <p>
 * What a stream is judged by ({@link #currentNanos()}, read on the loop itself) is sustained lag: the smaller of how
 * late the last firing ran and how overdue the next one is at that moment. Both are large only when the loop has been
 * behind for at least two timer periods in a row, as under a backlog; one slow stretch on an otherwise idle loop (the
 * first connection's class loading, a GC pause, the thread descheduled once) leaves the last firing on time and
 * refuses nothing. Off the probed loops it is 0. The gauge ({@link #maxNanos()}) shows the larger of the two.
 */
final class EventLoopLag implements AutoCloseable {

    /** The probe of the calling event loop thread, set by the probe's first run on it. */
    private static final FastThreadLocal<Probe> CURRENT = new FastThreadLocal<>();

    private final long periodNanos;
    private final List<Probe> probes = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Starts one probe per loop of {@code loops}.
     *
     * @param periodNanos how often each probe fires; shorter reacts sooner to a loop that recovered, at the cost of
     *        waking idle loops more often
     */
    EventLoopLag(EventLoopGroup loops, long periodNanos) {
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("the probe period must be positive, not " + periodNanos);
        }
        this.periodNanos = periodNanos;
        for (EventExecutor loop : loops) {
            Probe p = new Probe(loop);
            probes.add(p);
            loop.execute(p::start);
        }
    }

    /**
     * The sustained lag of the calling thread's event loop in nanoseconds: how far behind it was at its last timer and
     * still is now (the smaller of the two); 0 when the caller is no probed event loop.
     */
    static long currentNanos() {
        Probe p = CURRENT.getIfExists();
        return p == null ? 0 : Math.min(p.lastLag, p.overdue(System.nanoTime()));
    }

    /** The largest lag over all probed loops (the last firing's lateness or the current stall), for metrics. */
    long maxNanos() {
        long now = System.nanoTime();
        long max = 0;
        for (Probe p : probes) {
            max = Math.max(max, Math.max(p.lastLag, p.overdue(now)));
        }
        return max;
    }

    @Override
    public void close() {
        closed = true;
        for (Probe p : probes) {
            ScheduledFuture<?> f = p.next;
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    /** The timer of one loop; all its writes happen on that loop, reads may come from anywhere. */
    private final class Probe implements Runnable {
        private final EventExecutor loop;
        /** When the next firing is due; Long.MAX_VALUE until the first one is scheduled. */
        private volatile long due = Long.MAX_VALUE;
        private volatile long lastLag;
        private volatile ScheduledFuture<?> next;

        Probe(EventExecutor loop) {
            this.loop = loop;
        }

        void start() {
            CURRENT.set(this);
            schedule(System.nanoTime());
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            lastLag = Math.max(0, now - due);
            schedule(now);
        }

        private void schedule(long now) {
            if (closed) {
                return;
            }
            due = now + periodNanos;
            next = loop.schedule(this, periodNanos, TimeUnit.NANOSECONDS);
        }

        long overdue(long now) {
            long d = due;
            return d == Long.MAX_VALUE ? 0 : Math.max(0, now - d);
        }
    }
}
