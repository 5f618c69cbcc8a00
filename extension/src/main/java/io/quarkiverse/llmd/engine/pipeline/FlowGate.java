package io.quarkiverse.llmd.engine.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.flowcontrol.FlowController;
import io.quarkiverse.llmd.engine.flowcontrol.FlowItem;
import io.quarkiverse.llmd.engine.flowcontrol.QueueOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * The runtime side of flow control: owns the {@link FlowController}, serialises access to it with a short lock
 * (no waiting happens under it), and runs the dispatch cycle from a {@link FlowTicker} while requests wait. A
 * released request is scheduled at release time, against the endpoints and metrics of that moment.
 * <p>
 * A request whose data is still being prepared ({@link PreparedData}) is not queued yet, but it is already under
 * flow control: its TTL runs from its arrival, so the cycle expires it while it is being prepared, and once prepared
 * it is queued for what remains of its TTL. It is queued only when prepared, so that a released request is scheduled
 * at once and never holds a dispatch slot while waiting for I/O.
 */
final class FlowGate {

    private static final System.Logger LOG = System.getLogger(FlowGate.class.getName());

    /**
     * @param dispatchInterval period of the dispatch cycle while requests wait
     * @param expiryInterval how often queued requests are checked against their TTL
     * @param maxDispatchPerCycle most requests released by one cycle
     */
    record Settings(Duration dispatchInterval, Duration expiryInterval, int maxDispatchPerCycle) {
    }

    private final RequestPipeline pipeline;
    private final FlowController<PendingDecision> controller;
    private final SaturationProbe probe;
    private final Settings settings;
    private final FlowTicker ticker;
    private final PipelineMetrics metrics;
    private final LongSupplier nanoTime;
    private final Clock clock;
    private final Object lock = new Object();
    private final Set<Integer> bandsWithGauges = ConcurrentHashMap.newKeySet();
    /** Requests being prepared, checked against their TTL by the cycle (guarded by the lock). */
    private final Set<PendingDecision> preparing = new HashSet<>();
    private Runnable stopTicking;
    private long lastExpiry;
    private boolean swept;
    private InferenceRequest probeRequest;

    FlowGate(RequestPipeline pipeline, FlowControlConfig config, SaturationProbe probe, Settings settings,
            FlowTicker ticker, PipelineMetrics metrics, LongSupplier nanoTime, Clock clock) {
        this.pipeline = pipeline;
        this.controller = new FlowController<>(config);
        this.probe = probe;
        this.settings = settings;
        this.ticker = ticker;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.clock = clock;
        for (FlowControlConfig.Band b : config.bands()) {
            registerBandGauges(b.priority());
        }
    }

    FlowControlConfig config() {
        return controller.config();
    }

    /** Queues the request, or refuses it at once (429 rejected-saturated) when a limit is reached. */
    void submit(PendingDecision pending, String fairnessId) {
        submit(pending, fairnessId, 0);
    }

    /** @param waitedNanos time the request already spent under flow control (being prepared), taken off its TTL */
    private void submit(PendingDecision pending, String fairnessId, long waitedNanos) {
        // a request that finds no endpoint waits for one at most noEndpointRequestTTL (a pool waking from zero)
        boolean poolEmpty = pipeline.endpoints().isEmpty();
        long ttl = controller.config().requestTTL(!poolEmpty).toNanos();
        if (ttl > 0 && waitedNanos > 0) {
            if (waitedNanos >= ttl) { // 0 would mean "no limit" to the controller: expire it here instead
                drop(pending, QueueOutcome.EVICTED_TTL, waitedNanos, poolEmpty);
                return;
            }
            ttl -= waitedNanos;
        }
        FlowItem<PendingDecision> item = new FlowItem<>(fairnessId, pending.priority, pending.forwardBody.length, ttl,
                pending);
        pending.item = item;
        pending.gate = this;
        registerBandGauges(pending.priority);
        long now = nanoTime.getAsLong();
        FlowController.Admit admit;
        synchronized (lock) {
            admit = controller.enqueue(item, now);
            if (admit == FlowController.Admit.QUEUED) {
                probeRequest = pending.request;
                metrics.enqueued(pending.request, pending.priority, pending.forwardBody.length);
                startTicking();
            }
        }
        if (admit == FlowController.Admit.REJECTED_CAPACITY) {
            drop(pending, QueueOutcome.REJECTED_CAPACITY, waitedNanos, pipeline.endpoints().isEmpty());
        }
    }

    /** A request starts being prepared: from now on its TTL is watched, as if it were queued. */
    void preparing(PendingDecision pending) {
        pending.preparationTtlNanos = controller.config().requestTTL(!pipeline.endpoints().isEmpty()).toNanos();
        registerBandGauges(pending.priority);
        synchronized (lock) {
            preparing.add(pending);
            startTicking();
        }
    }

    /** A request was prepared in time (it won the race against cancellation and expiry): queue it. */
    void prepared(PendingDecision pending) {
        synchronized (lock) {
            preparing.remove(pending);
        }
        submit(pending, pending.fairnessId, nanoTime.getAsLong() - pending.receivedNanos);
    }

    /** The client left while its request was being prepared. */
    void cancelledWhilePreparing(PendingDecision pending) {
        synchronized (lock) {
            preparing.remove(pending);
        }
        drop(pending, QueueOutcome.EVICTED_CONTEXT_CANCELLED, nanoTime.getAsLong() - pending.receivedNanos, false);
    }

    /** Client cancellation. */
    boolean cancel(PendingDecision pending) {
        boolean removed;
        synchronized (lock) {
            removed = pending.item != null && controller.remove(pending.item);
        }
        if (removed) {
            drop(pending, QueueOutcome.EVICTED_CONTEXT_CANCELLED, nanoTime.getAsLong() - pending.item.enqueuedAt(),
                    false);
        }
        return removed;
    }

    /** Starts the cycle unless it runs (under the lock). */
    private void startTicking() {
        if (stopTicking == null) {
            stopTicking = ticker.start(Math.max(1, settings.dispatchInterval().toMillis()), this::cycle);
        }
    }

    int queued() {
        synchronized (lock) {
            return controller.size();
        }
    }

    /** One round: expire, then dispatch while the pool has room; stops the ticker when nothing waits. */
    void cycle() {
        try {
            long now = nanoTime.getAsLong();
            List<FlowItem<PendingDecision>> expired = List.of();
            List<PendingDecision> lapsed = List.of();
            synchronized (lock) {
                // nanoTime may be negative: compare differences only, and sweep on the first cycle.
                if (!swept || now - lastExpiry >= settings.expiryInterval().toNanos()) {
                    expired = controller.expire(now);
                    lapsed = lapsedWhilePreparing(now);
                    lastExpiry = now;
                    swept = true;
                }
            }
            boolean poolEmpty = pipeline.endpoints().isEmpty();
            for (FlowItem<PendingDecision> item : expired) {
                drop(item.payload(), QueueOutcome.EVICTED_TTL, now - item.enqueuedAt(), poolEmpty);
            }
            for (PendingDecision p : lapsed) {
                if (p.abandonPreparation()) { // else its preparation completed just now and it goes on
                    drop(p, QueueOutcome.EVICTED_TTL, now - p.receivedNanos, poolEmpty);
                }
            }
            // With no endpoint nothing can be scheduled: requests wait (until their TTL) for the first one to appear,
            // which is how a pool scaled to zero keeps the requests that wake it.
            for (int n = 0; !poolEmpty && n < settings.maxDispatchPerCycle(); n++) {
                FlowItem<PendingDecision> item;
                synchronized (lock) {
                    item = controller.dispatchOne(now, this::saturation);
                }
                if (item == null) {
                    break;
                }
                PendingDecision pending = item.payload();
                metrics.queueOutcome(pending.request, item.flowId(), item.priority(), QueueOutcome.DISPATCHED,
                        now - item.enqueuedAt(), pending.forwardBody.length);
                Decision decision;
                try {
                    decision = pipeline.route(pending);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "scheduling a request released by flow control failed", e);
                    decision = pipeline.rejected(pending.request, pending.priority,
                            Decision.Rejected.internal("scheduling failed: " + e));
                }
                pending.finish(decision);
            }
        } finally {
            synchronized (lock) {
                if (controller.isEmpty() && preparing.isEmpty() && stopTicking != null) {
                    stopTicking.run();
                    stopTicking = null;
                }
            }
        }
    }

    /** Removes and returns the requests whose TTL ran out while they were being prepared (under the lock). */
    private List<PendingDecision> lapsedWhilePreparing(long now) {
        if (preparing.isEmpty()) {
            return List.of();
        }
        List<PendingDecision> lapsed = new ArrayList<>();
        for (Iterator<PendingDecision> it = preparing.iterator(); it.hasNext();) {
            PendingDecision p = it.next();
            if (p.preparationTtlNanos > 0 && now - p.receivedNanos >= p.preparationTtlNanos) {
                it.remove();
                lapsed.add(p);
            }
        }
        return lapsed;
    }

    /** Each endpoint's admission limit under the pool's saturation detector, in the order of {@code endpoints}. */
    double[] admissionLimits(List<Endpoint> endpoints) {
        return probe.admissionLimits(pipeline.newContext(probeRequest), endpoints);
    }

    /** Pool saturation now, over every endpoint of the pool (called under the lock; cheap). */
    private double saturation() {
        List<Endpoint> pool = pipeline.endpoints();
        SchedulingContext context = pipeline.newContext(probeRequest);
        double s = probe.saturation(context, pool);
        metrics.saturation(s);
        return s;
    }

    private void drop(PendingDecision pending, QueueOutcome outcome, long waitedNanos, boolean poolEmpty) {
        // a request dropped while being prepared has no queue item yet: its flow is the one it would have joined
        String flowId = pending.item != null ? pending.item.flowId()
                : pending.fairnessId == null || pending.fairnessId.isEmpty() ? FlowControlConfig.DEFAULT_FLOW_ID
                        : pending.fairnessId;
        metrics.queueOutcome(pending.request, flowId, pending.priority, outcome, waitedNanos,
                pending.forwardBody.length);
        pending.finish(pipeline.rejected(pending.request, pending.priority,
                Decision.Rejected.flowControl(outcome, poolEmpty)));
    }

    private void registerBandGauges(int priority) {
        if (metrics.enabled() && bandsWithGauges.add(priority)) {
            metrics.flowControlBand(priority, this, g -> g.bandSize(priority, false), g -> g.bandSize(priority, true));
        }
    }

    private double bandSize(int priority, boolean bytes) {
        synchronized (lock) {
            for (FlowController.BandStats s : controller.bandStats()) {
                if (s.priority() == priority) {
                    return bytes ? s.bytes() : s.requests();
                }
            }
        }
        return 0;
    }
}
