package io.quarkiverse.llmd.runtime.extproc;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkiverse.llmd.engine.pipeline.Decision;

/**
 * Sheds ext_proc decisions the gateway cannot make in time, instead of queueing them for seconds: a decision whose
 * triggering message waited longer than {@code maxDecisionDelay} before the picker could look at it, or that would
 * exceed {@code maxPendingDecisions} decisions in progress at once (queued by flow control included), is answered at
 * once with an ImmediateResponse of {@code overloadStatus}. Answering costs microseconds, so a backlog drains fast and
 * the decisions that remain are made on time. Shared by every stream; thread-safe.
 */
final class ExtProcGuard {

    /** The refusal's error code in the body ({@code inference error: Overloaded - ...}). */
    static final String CODE = "Overloaded";

    private final long maxDelayNanos;
    private final int maxPending;
    private final int status;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong shedLate = new AtomicLong();
    private final AtomicLong shedBacklog = new AtomicLong();

    /**
     * @param maxDelayNanos longest wait of a message before its decision; 0 or less: no bound
     * @param maxPending most decisions in progress at once; 0 or less: no bound
     * @param status the HTTP status of the refusal
     */
    ExtProcGuard(long maxDelayNanos, int maxPending, int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("overload status must be an HTTP status (200..599), not " + status);
        }
        this.maxDelayNanos = maxDelayNanos;
        this.maxPending = maxPending;
        this.status = status;
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

    /** Decisions refused because too many were in progress. */
    long shedBacklog() {
        return shedBacklog.get();
    }
}
