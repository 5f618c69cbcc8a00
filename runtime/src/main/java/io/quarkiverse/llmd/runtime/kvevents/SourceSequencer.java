package io.quarkiverse.llmd.runtime.kvevents;

import java.util.ArrayDeque;

/**
 * Ordering of the batches of one publisher (one pod's {@code ZmqEventPublisher}): tracks its sequence numbers,
 * detects gaps and recovers them through the publisher's replay socket (reference kvcache-and-sim.md A1.3, A1.7).
 * <ul>
 * <li>The next expected number is delivered at once.</li>
 * <li>A number above the next expected one is a <b>gap</b> (the PUB socket dropped batches at its high-water mark,
 * or the link broke). With a replay socket, the missing range is requested from {@code last + 1}; live batches
 * that arrive meanwhile are held (at most {@code maxHeld}) and delivered after the replayed ones, so the index sees
 * the publisher's order. Without replay, or when the request cannot be sent, the missing batches are counted as
 * lost and the live batch is delivered.</li>
 * <li>A live number at or below the last one means the publisher restarted (a SUB socket never sees the same live
 * message twice): the count starts over from it.</li>
 * <li>On first contact with replay available, everything the publisher still buffers is requested from 0, so a
 * gateway that starts (or restarts) after its pods recovers their recent state instead of waiting for new
 * traffic.</li>
 * <li>A replay ends at its end marker, or when {@code replayTimeoutNanos} pass without it; whatever it did not
 * bring is counted as lost. Replayed batches at or below the last delivered number are duplicates and skipped.</li>
 * </ul>
 * Not thread-safe: confined to the subscriber's I/O thread. Time comes in as arguments.
 */
final class SourceSequencer {

    /** Where batches go, in order. */
    @FunctionalInterface
    interface Delivery {
        void deliver(long sequence, byte[] payload, boolean replayed);
    }

    /** The replay side of the transport. */
    interface ReplayChannel {
        /** Asks the publisher for every buffered batch from {@code fromSequence}; false when it cannot. */
        boolean request(long fromSequence);

        /** The replay in progress is given up (timeout): replies still on their way must not be taken. */
        void abandon();
    }

    /** Counters of one source; read by the metrics. */
    static final class Counts {
        long delivered;
        long gaps;
        long missed;
        long lost;
        long replayed;
        long duplicates;
        long restarts;
        long replayTimeouts;
        long heldOverflows;
    }

    private record Held(long sequence, byte[] payload) {
    }

    private final Delivery delivery;
    private final ReplayChannel replay;
    private final long replayTimeoutNanos;
    private final int maxHeld;
    private final boolean recoverOnFirstContact;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final Counts counts = new Counts();

    private boolean hasLast;
    private long last;
    private boolean replaying;
    private long replayDeadline;

    /**
     * @param replay the publisher's replay socket, or null when replay is off
     * @param recoverOnFirstContact request a full replay before the first live batch
     */
    SourceSequencer(Delivery delivery, ReplayChannel replay, long replayTimeoutNanos, int maxHeld,
            boolean recoverOnFirstContact) {
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld must be >= 1: " + maxHeld);
        }
        this.delivery = delivery;
        this.replay = replay;
        this.replayTimeoutNanos = replayTimeoutNanos;
        this.maxHeld = maxHeld;
        this.recoverOnFirstContact = recoverOnFirstContact;
    }

    Counts counts() {
        return counts;
    }

    boolean replaying() {
        return replaying;
    }

    /** The last delivered sequence number, or -1 (unsigned max) before the first. */
    long last() {
        return hasLast ? last : -1L;
    }

    /** A live batch from the SUB socket. */
    void live(long sequence, byte[] payload, long nowNanos) {
        if (replaying) {
            if (held.size() < maxHeld) {
                held.addLast(new Held(sequence, payload));
                return;
            }
            // The replay takes too long for the live traffic: give it up rather than buffer without bound.
            counts.heldOverflows++;
            replay.abandon();
            finishReplay();
        }
        if (!hasLast) {
            if (recoverOnFirstContact && replay != null && replay.request(0)) {
                startReplay(sequence, payload, nowNanos);
                return;
            }
            deliver(sequence, payload, false);
            return;
        }
        long expected = last + 1;
        if (sequence == expected) {
            deliver(sequence, payload, false);
            return;
        }
        if (Long.compareUnsigned(sequence, last) <= 0) {
            counts.restarts++;
            deliver(sequence, payload, false);
            return;
        }
        long missing = sequence - expected;
        counts.gaps++;
        counts.missed += missing;
        if (replay != null && replay.request(expected)) {
            startReplay(sequence, payload, nowNanos);
            return;
        }
        counts.lost += missing;
        deliver(sequence, payload, false);
    }

    /** A batch from the replay socket. Ignored unless a replay is in progress. */
    void replayed(long sequence, byte[] payload) {
        if (!replaying) {
            return;
        }
        if (hasLast && Long.compareUnsigned(sequence, last) <= 0) {
            counts.duplicates++;
            return;
        }
        if (hasLast && sequence != last + 1) {
            counts.lost += sequence - last - 1; // older than the publisher's buffer
        }
        counts.replayed++;
        deliver(sequence, payload, true);
    }

    /** The replay's end marker. */
    void replayEnd() {
        if (replaying) {
            finishReplay();
        }
    }

    /** Gives up a replay whose end marker did not come in time. */
    void tick(long nowNanos) {
        if (replaying && nowNanos - replayDeadline >= 0) {
            counts.replayTimeouts++;
            replay.abandon();
            finishReplay();
        }
    }

    private void startReplay(long sequence, byte[] payload, long nowNanos) {
        replaying = true;
        replayDeadline = nowNanos + replayTimeoutNanos;
        held.addLast(new Held(sequence, payload));
    }

    private void finishReplay() {
        replaying = false;
        while (!held.isEmpty()) {
            Held h = held.pollFirst();
            if (!hasLast) {
                deliver(h.sequence(), h.payload(), false);
            } else if (Long.compareUnsigned(h.sequence(), last) <= 0) {
                counts.duplicates++; // the replay already brought it
            } else {
                if (h.sequence() != last + 1) {
                    counts.lost += h.sequence() - last - 1;
                }
                deliver(h.sequence(), h.payload(), false);
            }
        }
    }

    private void deliver(long sequence, byte[] payload, boolean replayed) {
        hasLast = true;
        last = sequence;
        counts.delivered++;
        delivery.deliver(sequence, payload, replayed);
    }
}
