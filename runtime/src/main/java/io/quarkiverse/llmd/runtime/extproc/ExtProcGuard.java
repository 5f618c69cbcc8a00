package io.quarkiverse.llmd.runtime.extproc;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkiverse.llmd.engine.pipeline.Decision;

/**
 * Sheds ext_proc requests the gateway cannot decide in time, instead of queueing them for seconds: a stream read
 * while its event loop is more than {@code maxEventLoopLag} behind (see {@link EventLoopLag}: the wait before the read
 * that no message timestamp shows) is refused before any of it is parsed; a decision whose triggering message waited
 * longer than {@code maxDecisionDelay} before the picker could look at it, or that would exceed
 * {@code maxPendingDecisions} decisions in progress at once (queued by flow control included), is refused when it is
 * due. A refusal is an ImmediateResponse of {@code overloadStatus}; it costs microseconds, so a backlog drains fast
 * and the decisions that remain are made on time. Shared by every stream; thread-safe.
 */
final class ExtProcGuard {

    /** The refusal's error code in the body ({@code inference error: Overloaded - ...}). */
    static final String CODE = "Overloaded";

    private final long maxDelayNanos;
    private final long maxLagNanos;
    private final int maxPending;
    private final int status;
    private final Decision.Rejected lagRefusal;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong shedLate = new AtomicLong();
    private final AtomicLong shedLag = new AtomicLong();
    private final AtomicLong shedBacklog = new AtomicLong();

    /** A guard without an event-loop lag bound (streams are judged when their decision is due only). */
    ExtProcGuard(long maxDelayNanos, int maxPending, int status) {
        this(maxDelayNanos, 0, maxPending, status);
    }

    /**
     * @param maxDelayNanos longest wait of a message before its decision; 0 or less: no bound
     * @param maxLagNanos most event-loop lag at which streams are still taken and decisions made; 0 or less: no bound
     * @param maxPending most decisions in progress at once; 0 or less: no bound
     * @param status the HTTP status of the refusal
     */
    ExtProcGuard(long maxDelayNanos, long maxLagNanos, int maxPending, int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("overload status must be an HTTP status (200..599), not " + status);
        }
        this.maxDelayNanos = maxDelayNanos;
        this.maxLagNanos = maxLagNanos;
        this.maxPending = maxPending;
        this.status = status;
        // one constant text, so that a refusal can be answered with a message built once
        this.lagRefusal = new Decision.Rejected(status, CODE, "the endpoint picker is overloaded: its event loop is "
                + "more than " + maxLagNanos / 1_000_000 + " ms behind", null);
    }

    /** The refusal of a stream while the event loop is behind (always the same value). */
    Decision.Rejected lagRefusal() {
        return lagRefusal;
    }

    /**
     * Whether a new stream is to be refused before anything of it is read, because its event loop is behind.
     *
     * @param lagNanos the lag of the event loop that read the stream's headers, when it read them
     */
    boolean refuseStream(long lagNanos) {
        if (maxLagNanos > 0 && lagNanos > maxLagNanos) {
            shedLag.incrementAndGet();
            return true;
        }
        return false;
    }

    /**
     * Admits a decision or refuses it. An admitted decision must be {@link #release() released} exactly once.
     *
     * @param arrivedNanos when the message that completes the request arrived at the transport
     * @param now now, on the same clock
     * @return null when admitted, else the refusal to answer with
     */
    Decision.Rejected admit(long arrivedNanos, long now) {
        long waited = now - arrivedNanos;
        if (maxDelayNanos > 0 && waited > maxDelayNanos) {
            shedLate.incrementAndGet();
            return new Decision.Rejected(status, CODE, "the endpoint picker is overloaded: the request waited "
                    + waited / 1_000_000 + " ms for a decision (bound " + maxDelayNanos / 1_000_000 + " ms)", null);
        }
        if (pending.incrementAndGet() > maxPending && maxPending > 0) {
            pending.decrementAndGet();
            shedBacklog.incrementAndGet();
            return new Decision.Rejected(status, CODE, "the endpoint picker is overloaded: " + maxPending
                    + " decisions are already in progress", null);
        }
        return null;
    }

    /** An admitted decision was answered (or its stream went away). */
    void release() {
        pending.decrementAndGet();
    }

    /** Decisions in progress now. */
    int pending() {
        return pending.get();
    }

    /** Decisions refused because their message waited too long. */
    long shedLate() {
        return shedLate.get();
    }

    /** Streams refused because the event loop was behind. */
    long shedLag() {
        return shedLag.get();
    }

    /** Decisions refused because too many were in progress. */
    long shedBacklog() {
        return shedBacklog.get();
    }
}
