package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.quarkiverse.llmd.engine.autoscaling.AutoscalerConfig;
import io.quarkiverse.llmd.engine.autoscaling.ModelSnapshot;
import io.quarkiverse.llmd.engine.autoscaling.RequestSample;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.VariantAutoscaler;
import io.quarkiverse.llmd.engine.autoscaling.VariantObservation;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;

/**
 * Ours: the engine's {@link VariantAutoscaler} (queueing model on an online calibration, cost optimizer, V2
 * saturation guard combined any-up / all-down, its own scale-down hysteresis), fed the way the runtime loop feeds
 * it: every completed request becomes a calibration sample (prompt tokens the pod computed, TTFT from dispatch,
 * TPOT, the pod's batch at dispatch), and each evaluation passes the arrival rate since the last one, the recent
 * token mix, the gateway's queue and every ready pod's last scrape. Its desired count is applied as is (it is the
 * scale target's owner, no HPA in between).
 */
public final class VariantAutoscalerPolicy implements ScalingPolicy {

    private final VariantSpec variant;
    private final VariantAutoscaler autoscaler;
    private final double interval;
    private final MixTracker mix = new MixTracker();
    private ScalingDecision last;
    private final List<String> changes = new ArrayList<>();

    public VariantAutoscalerPolicy(VariantSpec variant, AutoscalerConfig config, double intervalSeconds) {
        if (!(intervalSeconds > 0)) {
            throw new IllegalArgumentException("interval must be > 0");
        }
        this.variant = variant;
        this.autoscaler = new VariantAutoscaler(config);
        this.autoscaler.setVariants(List.of(variant));
        this.interval = intervalSeconds;
    }

    @Override
    public String name() {
        return "variant-autoscaler";
    }

    @Override
    public double intervalSeconds() {
        return interval;
    }

    /** One line per decision that changed the replicas (time, counts, reason, detail), for the run's report. */
    public List<String> changes() {
        return List.copyOf(changes);
    }

    /** The last decision, with its reason and inputs ({@code null} before the first). */
    public ScalingDecision lastDecision() {
        return last;
    }

    @Override
    public int desired(PoolView view) {
        mix.add(view);
        for (PoolView.Completion c : view.completions()) {
            if (c.outputTokens() >= 1) {
                autoscaler.observe(variant.name(), new RequestSample(c.promptTokens() - c.cachedTokens(),
                        c.outputTokens(), c.ttftFromDispatch(), c.tpot(), Math.max(1, c.batchAtStart())));
            }
        }
        ModelSnapshot snapshot = new ModelSnapshot(variant.modelId(), view.arrivalRate(), mix.mix(),
                view.flowQueueSize(), view.flowQueueTokens(), List.of(new VariantObservation(variant.name(),
                        view.currentReplicas(), view.readyReplicas(), view.replicas())));
        List<ScalingDecision> decisions = autoscaler.decide(snapshot, Math.round(view.now() * 1e9));
        last = decisions.get(0);
        if (last.desiredReplicas() != last.currentReplicas()) {
            ScalingDecision.Inputs in = last.inputs();
            changes.add(String.format(Locale.ROOT, "t=%.0f %d->%d %s rate=%.2f/s planned=%.2f/s perReplica=%.2f/s"
                    + " model=%s sat=%s waiting=%d: %s", view.now(), last.currentReplicas(), last.desiredReplicas(),
                    last.reason(), in.arrivalRate(), in.plannedRate(), in.ratePerReplica(), in.modelTarget(), in.saturationTarget(),
                    in.waitingRequests(), last.detail()));
        }
        return last.desiredReplicas();
    }
}
