package io.quarkiverse.llmd.engine.flowcontrol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.DoubleSupplier;

/**
 * llm-d's flow control (reference scheduler-epp.md 5) as a plain data structure: no threads and no clock of its own.
 * Requests are {@link #enqueue enqueued} into a priority band and, within it, into the queue of their flow (fairness
 * id). The owner calls {@link #dispatch} whenever capacity may have freed up (a timer, a completed request) and
 * {@link #expire} to drop items past their TTL; every call passes the current time.
 * <p>
 * A dispatch cycle: read the pool saturation; take the highest-priority non-empty band; if saturation has reached
 * the band's ceiling (usage-limit policy) stop the whole cycle, so that a lower band never overtakes a blocked
 * higher one (head-of-line blocking, no priority inversion); otherwise the band's fairness policy picks a flow and
 * the ordering policy has already decided which of its items goes first. One item leaves per cycle.
 * <p>
 * Not thread-safe: the owner serialises calls.
 *
 * @param <T> the payload carried by the items
 */
public final class FlowController<T> {

    /** Result of {@link #enqueue}. */
    public enum Admit {
        /** Queued; it will be dispatched, expired or removed later. */
        QUEUED,
        /** Refused: a global or band limit is reached ({@link QueueOutcome#REJECTED_CAPACITY}). */
        REJECTED_CAPACITY
    }

    /** Sizes of one band, for metrics. */
    public record BandStats(int priority, int requests, long bytes, int flows) {
    }

    private final FlowControlConfig config;
    /** Bands by priority, highest first. */
    private final NavigableMap<Integer, Band<T>> bands = new TreeMap<>(Comparator.reverseOrder());
    private long sequence;
    private int requests;
    private long bytes;

    public FlowController(FlowControlConfig config) {
        this.config = config;
        for (FlowControlConfig.Band b : config.bands()) {
            bands.put(b.priority(), new Band<>(this, b));
        }
    }

    public FlowControlConfig config() {
        return config;
    }

    /**
     * Queues an item, or refuses it when a limit would be exceeded: the global {@code maxRequests} /
     * {@code maxBytes}, or its band's.
     *
     * @param now the caller's time in nanoseconds
     */
    public Admit enqueue(FlowItem<T> item, long now) {
        if (item.band != null) {
            throw new IllegalStateException(item + " is already queued");
        }
        Band<T> band = bands.computeIfAbsent(item.priority(), p -> new Band<>(this, config.bandFor(p)));
        if (exceeds(requests + 1L, config.maxRequests()) || exceeds(bytes + item.bytes(), config.maxBytes())
                || exceeds(band.requests + 1L, band.config.maxRequests())
                || exceeds(band.bytes + item.bytes(), band.config.maxBytes())) {
            return Admit.REJECTED_CAPACITY;
        }
        long ttl = item.ttlNanos() == FlowItem.DEFAULT_TTL ? config.defaultRequestTTL().toNanos() : item.ttlNanos();
        item.enqueuedAt = now;
        item.deadline = ttl > 0 ? saturatedAdd(now, ttl) : Long.MAX_VALUE;
        item.sequence = sequence++;
        band.add(item);
        requests++;
        bytes += item.bytes();
        return Admit.QUEUED;
    }

    /**
     * Runs dispatch cycles until one releases nothing (saturated, or the queues are empty) or {@code max} items have
     * left. The saturation is read again before every cycle, so a supplier that reflects what was just released
     * (in-flight counters) stops the loop in time.
     *
     * @return the released items, in dispatch order
     */
    public List<FlowItem<T>> dispatch(long now, DoubleSupplier saturation, int max) {
        List<FlowItem<T>> released = new ArrayList<>();
        while (released.size() < max) {
            FlowItem<T> item = dispatchOne(now, saturation);
            if (item == null) {
                break;
            }
            released.add(item);
        }
        return released;
    }

    /** {@link #dispatch(long, DoubleSupplier, int)} without a limit on the number of items. */
    public List<FlowItem<T>> dispatch(long now, DoubleSupplier saturation) {
        return dispatch(now, saturation, Integer.MAX_VALUE);
    }

    /**
     * One dispatch cycle.
     *
     * @return the released item, or null when nothing may leave now
     */
    public FlowItem<T> dispatchOne(long now, DoubleSupplier saturation) {
        if (requests == 0) {
            return null;
        }
        for (Band<T> band : bands.values()) {
            if (band.requests == 0) {
                continue;
            }
            // The highest non-empty band decides for the whole cycle.
            if (saturation.getAsDouble() >= config.usageLimit().ceiling(band.config.priority())) {
                return null;
            }
            FlowQueue<T> queue = band.pick();
            FlowItem<T> item = queue.items.first();
            detach(item);
            return item;
        }
        return null;
    }

    /**
     * Removes the items whose deadline has passed ({@link QueueOutcome#EVICTED_TTL}).
     *
     * @return the expired items, earliest deadline first
     */
    public List<FlowItem<T>> expire(long now) {
        List<FlowItem<T>> expired = new ArrayList<>();
        if (requests == 0) {
            return expired;
        }
        for (Band<T> band : bands.values()) {
            for (FlowQueue<T> q : band.flows.values()) {
                for (FlowItem<T> item : q.items) {
                    if (item.deadline <= now) {
                        expired.add(item);
                    }
                }
            }
        }
        expired.sort(Comparator.comparingLong((FlowItem<T> i) -> i.deadline).thenComparingLong(i -> i.sequence));
        for (FlowItem<T> item : expired) {
            detach(item);
        }
        return expired;
    }

    /**
     * Takes an item out of its queue (client cancellation: {@link QueueOutcome#EVICTED_CONTEXT_CANCELLED}).
     *
     * @return false when it was not queued any more (already dispatched, expired or removed)
     */
    public boolean remove(FlowItem<T> item) {
        if (item.band == null || item.band.owner != this) {
            return false;
        }
        detach(item);
        return true;
    }

    /** Queued requests, all bands. */
    public int size() {
        return requests;
    }

    /** Queued bytes, all bands. */
    public long bytes() {
        return bytes;
    }

    public boolean isEmpty() {
        return requests == 0;
    }

    /** The earliest deadline of a queued item, {@link Long#MAX_VALUE} when none expires. */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Band<T> band : bands.values()) {
            for (FlowQueue<T> q : band.flows.values()) {
                for (FlowItem<T> item : q.items) {
                    next = Math.min(next, item.deadline);
                }
            }
        }
        return next;
    }

    /** Per-band sizes, highest priority first; bands configured or seen so far. */
    public List<BandStats> bandStats() {
        List<BandStats> stats = new ArrayList<>(bands.size());
        for (Band<T> b : bands.values()) {
            stats.add(new BandStats(b.config.priority(), b.requests, b.bytes, b.flows.size()));
        }
        return Collections.unmodifiableList(stats);
    }

    private void detach(FlowItem<T> item) {
        Band<T> band = item.band;
        band.remove(item);
        requests--;
        bytes -= item.bytes();
    }

    private static boolean exceeds(long value, long limit) {
        return limit > 0 && value > limit;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** A priority band: its flows by id, sorted, and the band's fairness state. */
    static final class Band<U> {
        final FlowController<U> owner;
        final FlowControlConfig.Band config;
        final TreeMap<String, FlowQueue<U>> flows = new TreeMap<>();
        final FairnessPolicy.Selector selector;
        final Comparator<FlowItem<?>> order;
        int requests;
        long bytes;

        Band(FlowController<U> owner, FlowControlConfig.Band config) {
            this.owner = owner;
            this.config = config;
            this.selector = config.fairness().newSelector();
            this.order = config.ordering().order().thenComparingLong(FlowItem::sequence);
        }

        void add(FlowItem<U> item) {
            flows.computeIfAbsent(item.flowId(), id -> new FlowQueue<>(id, order)).items.add(item);
            item.band = this;
            requests++;
            bytes += item.bytes();
        }

        void remove(FlowItem<U> item) {
            FlowQueue<U> q = flows.get(item.flowId());
            q.items.remove(item);
            if (q.items.isEmpty()) {
                flows.remove(item.flowId());
            }
            item.band = null;
            requests--;
            bytes -= item.bytes();
        }

        FlowQueue<U> pick() {
            List<FlowQueue<U>> nonEmpty = new ArrayList<>(flows.values());
            if (nonEmpty.size() == 1) {
                return nonEmpty.get(0);
            }
            @SuppressWarnings("unchecked")
            FlowQueue<U> picked = (FlowQueue<U>) selector.pick(nonEmpty);
            return picked;
        }
    }

    /** The queue of one flow within a band, ordered by the band's ordering policy. */
    static final class FlowQueue<U> implements FairnessPolicy.FlowQueue {
        final String flowId;
        final TreeSet<FlowItem<U>> items;
        final Comparator<FlowItem<?>> order;

        FlowQueue(String flowId, Comparator<FlowItem<?>> order) {
            this.flowId = flowId;
            this.order = order;
            this.items = new TreeSet<>(order);
        }

        @Override
        public String flowId() {
            return flowId;
        }

        @Override
        public FlowItem<?> head() {
            return items.first();
        }

        @Override
        public Comparator<FlowItem<?>> order() {
            return order;
        }
    }
}
