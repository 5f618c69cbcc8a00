package io.quarkiverse.llmd.engine.pipeline;

import java.time.Clock;
import java.time.Duration;
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
        // a request that finds no endpoint waits for one at most noEndpointRequestTTL (a pool waking from zero)
        long ttl = controller.config().requestTTL(!pipeline.endpoints().isEmpty()).toNanos();
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
                if (stopTicking == null) {
                    stopTicking = ticker.start(Math.max(1, settings.dispatchInterval().toMillis()), this::cycle);
                }
            }
        }
        if (admit == FlowController.Admit.REJECTED_CAPACITY) {
            drop(pending, QueueOutcome.REJECTED_CAPACITY, 0, pipeline.endpoints().isEmpty());
        }
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
            synchronized (lock) {
                // nanoTime may be negative: compare differences only, and sweep on the first cycle.
                if (!swept || now - lastExpiry >= settings.expiryInterval().toNanos()) {
                    expired = controller.expire(now);
                    lastExpiry = now;
                    swept = true;
                }
            }
            boolean poolEmpty = pipeline.endpoints().isEmpty();
            for (FlowItem<PendingDecision> item : expired) {
                drop(item.payload(), QueueOutcome.EVICTED_TTL, now - item.enqueuedAt(), poolEmpty);
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
                if (controller.isEmpty() && stopTicking != null) {
                    stopTicking.run();
                    stopTicking = null;
                }
            }
        }
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
        metrics.queueOutcome(pending.request, pending.item.flowId(), pending.priority, outcome, waitedNanos,
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
