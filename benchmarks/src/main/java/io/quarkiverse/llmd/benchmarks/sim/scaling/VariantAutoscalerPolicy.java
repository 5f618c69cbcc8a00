package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.engine.autoscaling.AutoscalerConfig;
import io.quarkiverse.llmd.engine.autoscaling.ModelSnapshot;
import io.quarkiverse.llmd.engine.autoscaling.RequestSample;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.VariantAutoscaler;
import io.quarkiverse.llmd.engine.autoscaling.VariantObservation;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * Ours: the engine's {@link VariantAutoscaler} (queueing model on an online calibration, cost optimizer across the
 * variants, demand forecast, V2 saturation guard combined any-up / all-down, its own scale-down hysteresis), fed the
 * way the runtime loop feeds it: every completed request becomes a calibration sample of the variant that served it
 * (prompt tokens the pod computed, TTFT from dispatch, TPOT, the pod's scraped batch over its life), and each
 * evaluation passes the arrival rate since the last one, the recent token mix, the gateway's queue and every ready
 * pod's last scrape. Its desired counts are applied as they are (it owns the scale targets, no HPA in between).
 */
public final class VariantAutoscalerPolicy implements ScalingPolicy, FleetPolicy {

    private final List<VariantSpec> variants;
    private final VariantAutoscaler autoscaler;
    private final double interval;
    private final MixTracker mix = new MixTracker();
    private ScalingDecision last;
    private final List<String> changes = new ArrayList<>();
    private boolean everyDecision;

    public VariantAutoscalerPolicy(VariantSpec variant, AutoscalerConfig config, double intervalSeconds) {
        this(List.of(variant), config, intervalSeconds);
    }

    /** Several variants of one model, in the fleet's order. */
    public VariantAutoscalerPolicy(List<VariantSpec> variants, AutoscalerConfig config, double intervalSeconds) {
        if (!(intervalSeconds > 0)) {
            throw new IllegalArgumentException("interval must be > 0");
        }
        if (variants.isEmpty() || variants.stream().map(VariantSpec::modelId).distinct().count() != 1) {
            throw new IllegalArgumentException("variants of one model, at least one");
        }
        this.variants = List.copyOf(variants);
        this.autoscaler = new VariantAutoscaler(config);
        this.autoscaler.setVariants(this.variants);
        this.interval = intervalSeconds;
    }

    /**
     * Gives the engine the arrival rates of {@code runs} earlier runs of the same load, as a gateway that ran it on
     * the days before would have seen them: run {@code k} (its own arrivals, drawn with seed {@code seed + k}) ended
     * {@code (k - 1)} load lengths before this one starts, measured over windows of the decision interval. The
     * engine's recurrence period must be the load's length for these to line up with the run's own times.
     */
    public void rememberEarlierRuns(WorkloadSpec.Load load, int runs, long seed) {
        double length = load.totalDuration();
        for (int k = 1; k <= runs; k++) {
            double[] counts = arrivalsPerWindow(load, interval, new SplittableRandom(seed + k));
            for (int w = 0; w < counts.length; w++) {
                double end = Math.min((w + 1) * interval, length) - k * length;
                double window = Math.min(interval, length - w * interval);
                autoscaler.recordArrivals(variants.get(0).modelId(), Math.round(end * 1e9), window,
                        counts[w] / window);
            }
        }
    }

    /** Arrivals of {@code load} counted per window of {@code window} seconds, as the simulator draws them. */
    public static double[] arrivalsPerWindow(WorkloadSpec.Load load, double window, SplittableRandom random) {
        double[] counts = new double[(int) Math.ceil(load.totalDuration() / window)];
        double start = 0;
        for (WorkloadSpec.Stage s : load.stages()) {
            double end = start + s.duration();
            if (s.rate() > 0) {
                double t = start;
                long i = 0;
                while (true) {
                    t = load.poisson() ? t - Math.log(1 - random.nextDouble()) / s.rate() : start + i++ / s.rate();
                    if (t >= end) {
                        break;
                    }
                    counts[Math.min(counts.length - 1, (int) (t / window))]++;
                }
            }
            start = end;
        }
        return counts;
    }

    @Override
    public String name() {
        return "variant-autoscaler";
    }

    @Override
    public double intervalSeconds() {
        return interval;
    }

    /** Whether {@link #changes()} lists every decision, not only those that changed the replicas. */
    public void logEveryDecision(boolean every) {
        this.everyDecision = every;
    }

    /**
     * One line per decision that changed the replicas (time, counts, reason, rate per replica, detail), or per
     * decision with {@link #logEveryDecision}, for the run's report.
     */
    public List<String> changes() {
        return List.copyOf(changes);
    }

    /** The last decision of the first variant, with its reason and inputs ({@code null} before the first). */
    public ScalingDecision lastDecision() {
        return last;
    }

    @Override
    public int desired(PoolView view) {
        return desired(List.of(view))[0];
    }

    @Override
    public int[] desired(List<PoolView> views) {
        if (views.size() != variants.size()) {
            throw new IllegalArgumentException(views.size() + " views for " + variants.size() + " variants");
        }
        List<VariantObservation> observations = new ArrayList<>();
        for (int i = 0; i < views.size(); i++) {
            PoolView view = views.get(i);
            VariantSpec variant = variants.get(i);
            mix.add(view);
            for (PoolView.Completion c : view.completions()) {
                if (c.outputTokens() >= 1) {
                    autoscaler.observe(variant.name(), new RequestSample(c.promptTokens() - c.cachedTokens(),
                            c.outputTokens(), c.ttftFromDispatch(), c.tpot(), c.batch()));
                }
            }
            observations.add(new VariantObservation(variant.name(), view.currentReplicas(), view.readyReplicas(),
                    view.replicas()));
        }
        PoolView shared = views.get(0); // the model's rate and the gateway's queue are the same in every view
        ModelSnapshot snapshot = new ModelSnapshot(variants.get(0).modelId(), shared.arrivalRate(), mix.mix(),
                shared.flowQueueSize(), shared.flowQueueTokens(), observations);
        List<ScalingDecision> decisions = autoscaler.decide(snapshot, Math.round(shared.now() * 1e9));
        int[] out = new int[variants.size()];
        for (int i = 0; i < out.length; i++) {
            String name = variants.get(i).name();
            ScalingDecision d = decisions.stream().filter(x -> x.variant().equals(name)).findFirst().orElseThrow();
            out[i] = d.desiredReplicas();
            if (i == 0) {
                last = d;
            }
            if (everyDecision || d.desiredReplicas() != d.currentReplicas()) {
                ScalingDecision.Inputs in = d.inputs();
                changes.add(String.format(Locale.ROOT, "t=%.0f %s %d->%d %s rate=%.2f/s planned=%.2f/s"
                        + " perReplica=%.2f/s model=%s sat=%s waiting=%d: %s", shared.now(), name,
                        d.currentReplicas(), d.desiredReplicas(), d.reason(), in.arrivalRate(), in.plannedRate(),
                        in.ratePerReplica(), in.modelTarget(), in.saturationTarget(), in.waitingRequests(),
                        d.detail()));
            }
        }
        return out;
    }
}
