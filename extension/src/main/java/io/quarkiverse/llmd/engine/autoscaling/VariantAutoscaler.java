package io.quarkiverse.llmd.engine.autoscaling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The variant autoscaler's engine: from a model's observed load, its variants' calibrated models and their
 * replicas' metrics, the replicas each variant should have. Stateful (calibration, saturation history, hysteresis,
 * idle timers), deterministic, and driven by the caller's clock; not thread-safe.
 *
 * <p>
 * One decision for a model:
 * <ol>
 * <li>Variants are grouped by what they serve: all of them for an aggregated model; prefill variants and decode
 * variants (with any aggregated ones) separately for a disaggregated one. Each group must carry the model's whole
 * arrival rate.</li>
 * <li><b>Model</b>: for each confidently calibrated variant (or its benchmarked profile, before that and wherever the
 * plan would take the fit beyond the batches it was fitted on), the queueing model gives the highest rate per replica
 * within the model's TTFT and ITL targets for the observed token mix; the {@link CostOptimizer} chooses the
 * cheapest replicas carrying the rate. A variant's model target is the count for the observed rate if that is
 * higher than now, otherwise the count for the rate plus {@code scaleDownMargin}.</li>
 * <li><b>Saturation guard</b>: the {@link SaturationAnalyzerV2} runs on the same group, removing spare replicas
 * from the variant with the highest cost per unit of KV capacity first (WVA removes the most expensive replica
 * first, which keeps small, cheap classes longest). The two combine any-up / all-down, which is the larger of the
 * two targets. Variants the model cannot judge yet follow the analyzer alone,
 * and say {@link ScalingReason#LOW_CONFIDENCE}.</li>
 * <li>Bounds, then the zero rules: after {@code scaleToZeroAfter} without load, variants go to their minimum (zero
 * where allowed); otherwise a group that has load or replicas keeps at least one, and a group with no replica
 * wakes at once when requests wait or arrive.</li>
 * <li>The prefill/decode ratio range, for disaggregated models.</li>
 * <li><b>Hysteresis</b>: a scale-down is applied only as far as the highest target of the last
 * {@code stabilizationWindow}; scale-up is immediate.</li>
 * </ol>
 */
public final class VariantAutoscaler {

    private final AutoscalerConfig config;
    private final SaturationAnalyzerV2 saturation;
    private final Map<String, VariantSpec> specs = new TreeMap<>();
    private final Map<String, VariantCalibrator> calibrators = new HashMap<>();
    private final Map<String, Deque<Recommendation>> history = new HashMap<>();
    private final Map<String, Long> firstDecided = new HashMap<>();
    private final Map<String, Long> lastLoad = new HashMap<>();
    private final Map<String, DemandForecast> forecasts = new HashMap<>();
    private final Map<String, RecurringDemand> recurring = new HashMap<>();

    /**
     * How far beyond the largest batch in its timings a confident fit is trusted, as a fraction of that batch, where
     * the benchmarked profile promises less.
     */
    static final double FIT_REACH = 0.25;

    private record Recommendation(long atNanos, int replicas) {
    }

    public VariantAutoscaler(AutoscalerConfig config) {
        this.config = config;
        this.saturation = new SaturationAnalyzerV2(config.saturation(),
                SaturationAnalyzerV2.ScaleDownOrder.COST_PER_CAPACITY,
                SaturationAnalyzerV2.QueueEvidence.SUSTAINED_QUEUE);
    }

    public AutoscalerConfig config() {
        return config;
    }

    /**
     * Replaces the known variants (as discovery found them). Calibration of variants that stay is kept; state of
     * variants that are gone is dropped.
     */
    public void setVariants(Collection<VariantSpec> variants) {
        Map<String, VariantSpec> next = new TreeMap<>();
        for (VariantSpec v : variants) {
            if (next.put(v.name(), v) != null) {
                throw new IllegalArgumentException("two variants named " + v.name());
            }
        }
        specs.clear();
        specs.putAll(next);
        calibrators.keySet().retainAll(next.keySet());
        history.keySet().retainAll(next.keySet());
        firstDecided.keySet().retainAll(next.keySet());
        lastLoad.keySet().retainAll(next.values().stream().map(VariantSpec::modelId).toList());
        forecasts.keySet().retainAll(next.values().stream().map(VariantSpec::modelId).toList());
        recurring.keySet().retainAll(next.values().stream().map(VariantSpec::modelId).toList());
    }

    /** The known variants, by name. */
    public Map<String, VariantSpec> variants() {
        return Map.copyOf(specs);
    }

    /** Records a completed request served by {@code variant}; samples of unknown variants are ignored. */
    public void observe(String variant, RequestSample sample) {
        VariantCalibrator c = calibrator(variant);
        if (c != null) {
            c.observe(sample);
        }
    }

    /** Records a scrape of one replica of {@code variant}; {@link #decide} also does this with its snapshot. */
    public void observe(String variant, PodSample sample) {
        VariantCalibrator c = calibrator(variant);
        if (c != null) {
            c.observe(sample);
        }
    }

    /**
     * Records a model's arrival rate over a window before this engine decided for it: the days a restarted
     * autoscaler remembers, or a simulation's earlier days. {@link #decide} records the rates it is given itself;
     * rates of models without a known variant are ignored.
     *
     * @param endNanos the end of the window, on the clock {@link #decide} is given
     */
    public void recordArrivals(String modelId, long endNanos, double windowSeconds, double rate) {
        if (specs.values().stream().anyMatch(s -> s.modelId().equals(modelId))) {
            recurring(modelId).record(endNanos, windowSeconds, rate);
        }
    }

    private RecurringDemand recurring(String model) {
        return recurring.computeIfAbsent(model, m -> new RecurringDemand(config.recurrencePeriod().toNanos(),
                config.recurringPeriods()));
    }

    /** The current calibration of {@code variant} for {@code mix}, or {@code null} for an unknown variant. */
    public Calibration calibration(String variant, TokenMix mix) {
        VariantCalibrator c = calibrator(variant);
        VariantSpec spec = specs.get(variant);
        return c == null ? null : c.calibration(mix == null ? null : spec.mixFor(mix), spec.maxNumSeqs());
    }

    private VariantCalibrator calibrator(String variant) {
        if (!specs.containsKey(variant)) {
            return null;
        }
        return calibrators.computeIfAbsent(variant,
                v -> new VariantCalibrator(config.calibration(), config.saturation()));
    }

    /**
     * Decides the replicas of every variant of {@code snapshot.modelId()}. Call it every interval, and at once when
     * requests wait for a model with no ready replica (waking from zero does not wait for the next interval).
     *
     * @param snapshot the model's load and its variants' state
     * @param nowNanos the caller's time in nanoseconds (monotonic; virtual in the simulator)
     * @return one decision per known variant of the model, in variant-name order
     */
    public List<ScalingDecision> decide(ModelSnapshot snapshot, long nowNanos) {
        String model = snapshot.modelId();
        Map<String, VariantObservation> observed = new HashMap<>();
        for (VariantObservation o : snapshot.variants()) {
            observed.put(o.variant(), o);
        }
        List<VariantSpec> modelSpecs = new ArrayList<>();
        for (VariantSpec s : specs.values()) {
            if (s.modelId().equals(model)) {
                modelSpecs.add(s);
            }
        }
        if (modelSpecs.isEmpty()) {
            return List.of();
        }
        boolean load = snapshot.arrivalRate() > 0 || snapshot.waitingRequests() > 0;
        Map<String, DecisionDraft> work = new LinkedHashMap<>();
        for (VariantSpec s : modelSpecs) {
            VariantObservation o = observed.get(s.name());
            DecisionDraft w = new DecisionDraft(s, o == null ? 0 : o.currentReplicas(), o == null ? 0 : o.readyReplicas());
            work.put(s.name(), w);
            if (o != null) {
                for (ReplicaMetrics r : o.replicas()) {
                    calibrator(s.name()).observe(r.sample());
                    load |= r.running() > 0 || r.waiting() > 0;
                }
            }
        }
        if (load || !lastLoad.containsKey(model)) {
            lastLoad.put(model, nowNanos);
        }
        boolean idle = !load && nowNanos - lastLoad.get(model) >= config.scaleToZeroAfter().toNanos();
        DemandForecast forecast = forecasts.computeIfAbsent(model,
                m -> new DemandForecast(config.trendWindow().toNanos()));
        forecast.record(nowNanos, snapshot.arrivalRate());
        RecurringDemand past = recurring(model);
        past.record(nowNanos, forecast.lastIntervalSeconds(), snapshot.arrivalRate());

        List<List<VariantSpec>> groups = groups(modelSpecs);
        for (List<VariantSpec> group : groups) {
            plan(group, snapshot, observed, work, forecast, past, nowNanos);
            applyZeroRules(group, snapshot, work, load, idle, nowNanos - lastLoad.get(model));
        }
        PdRatio ratio = config.pdRatioByModel().get(model);
        if (ratio != null && groups.size() == 2) {
            applyPdRatio(ratio, groups.get(0), groups.get(1), work);
        }
        List<ScalingDecision> decisions = new ArrayList<>();
        for (DecisionDraft w : work.values()) {
            stabilize(w, nowNanos);
            decisions.add(w.decision(snapshot, nowNanos));
        }
        return decisions;
    }

    /** All variants of an aggregated model; [prefill, decode + aggregated] for a disaggregated one. */
    private static List<List<VariantSpec>> groups(List<VariantSpec> modelSpecs) {
        List<VariantSpec> prefill = new ArrayList<>();
        List<VariantSpec> rest = new ArrayList<>();
        boolean disaggregated = false;
        for (VariantSpec s : modelSpecs) {
            disaggregated |= s.role() != Role.BOTH;
            (s.role() == Role.PREFILL ? prefill : rest).add(s);
        }
        if (!disaggregated) {
            return List.of(modelSpecs);
        }
        List<List<VariantSpec>> groups = new ArrayList<>();
        groups.add(prefill);
        groups.add(rest);
        groups.removeIf(List::isEmpty);
        return groups;
    }

    private void plan(List<VariantSpec> group, ModelSnapshot snapshot, Map<String, VariantObservation> observed,
            Map<String, DecisionDraft> work, DemandForecast forecast, RecurringDemand past, long nowNanos) {
        TokenMix mix = snapshot.mix();
        SloTargets targets = config.targetsFor(snapshot.modelId());
        double horizon = config.coldStartHorizon().toNanos() / 1e9;
        // a replica the plan drops is still paid while the stabilization window keeps it (at most the horizon)
        double held = Math.min(config.stabilizationWindow().toNanos() / 1e9, horizon);
        List<CostOptimizer.Candidate> candidates = new ArrayList<>();
        for (VariantSpec s : group) {
            DecisionDraft w = work.get(s.name());
            VariantCalibrator calibrator = calibrator(s.name());
            w.calibration = calibrator.calibration(mix == null ? null : s.mixFor(mix), s.maxNumSeqs());
            ReplicaCapacity atTarget = null;
            if (!w.calibration.confident() && w.calibration.parameters() != null && mix != null
                    && w.calibration.samples() >= config.calibration().minSamples()) {
                // unsure over 1..N: judge the fit where it will be used, at the mean batch of the planned rate
                atTarget = new QueueingModel(w.calibration.parameters(), s.mixFor(mix), w.calibration.maxBatch(),
                        config.queueToBatchRatio()).maxRate(s.targetsFor(targets));
                if (atTarget.state() != null) {
                    w.calibration = calibrator.calibration(s.mixFor(mix), s.maxNumSeqs(),
                            (int) Math.ceil(atTarget.state().meanBusy()));
                }
            }
            // not confident yet (a variant at zero replicas never is): its benchmarked profile, when it has one
            w.fromPrior = !w.calibration.confident() && s.prior() != null && mix != null;
            if (w.calibration.confident() && s.prior() != null && mix != null) {
                if (atTarget == null) {
                    atTarget = new QueueingModel(w.calibration.parameters(), s.mixFor(mix), w.calibration.maxBatch(),
                            config.queueToBatchRatio()).maxRate(s.targetsFor(targets));
                }
                // The fit's error bars only measure noise around its line; where the plan puts the replicas at
                // larger batches than any timing it remembers, the line is extrapolated, and timings from a
                // lightly loaded variant then promised up to half as much again per replica as it carried when
                // loaded (docs/benchmarks.md, "The morning ramp: a confident fit used beyond its batches").
                // There neither estimate has been checked on this deployment: plan with the one promising less.
                // Planned by the profile alone, though, the replicas would never run a batch the fit has not seen,
                // and the fit would never learn one: the fit is trusted a little beyond its batches, so that each
                // plan shows it the next ones.
                int seen = calibrator.largestRecentBatch();
                if (atTarget.state() != null && atTarget.state().meanBusy() > seen) {
                    ReplicaCapacity profiled = new QueueingModel(s.prior(), s.mixFor(mix), w.calibration.maxBatch(),
                            config.queueToBatchRatio()).maxRate(s.targetsFor(targets));
                    if (profiled.ratePerSecond() < atTarget.ratePerSecond()) {
                        double trusted = Math.min(seen * (1 + FIT_REACH), atTarget.state().meanBusy());
                        ReplicaCapacity reach = new QueueingModel(w.calibration.parameters(), s.mixFor(mix),
                                w.calibration.maxBatch(), config.queueToBatchRatio())
                                .upToMeanBatch(trusted, atTarget.limit());
                        boolean reached = reach.ratePerSecond() > profiled.ratePerSecond();
                        w.extrapolated = new DecisionDraft.Extrapolation(seen, atTarget.state().meanBusy(),
                                reached ? trusted : 0);
                        w.fromPrior = !reached;
                        atTarget = reached ? reach : profiled;
                    }
                }
            }
            if (w.calibration.confident() || w.fromPrior) {
                if (atTarget == null || w.fromPrior && w.extrapolated == null) {
                    ServiceTimeModel model = w.fromPrior ? s.prior() : w.calibration.parameters();
                    atTarget = new QueueingModel(model, s.mixFor(mix), w.calibration.maxBatch(),
                            config.queueToBatchRatio()).maxRate(s.targetsFor(targets));
                }
                w.capacity = atTarget;
                if (w.capacity.feasible()) {
                    candidates.add(new CostOptimizer.Candidate(s.name(), w.capacity.ratePerSecond(),
                            s.costPerReplicaHour(), s.minReplicas(), s.maxReplicas(), w.current,
                            coldStartPenalty(s), s.costPerReplicaHour() * held / horizon));
                }
            }
        }
        // replicas asked for now serve after the slowest candidate's cold start and must last until the next
        // decision's could serve: size for the rate expected then, plus what serves the gateway's backlog
        double lead = forecast.lastIntervalSeconds();
        double coldStart = 0;
        for (VariantSpec s : group) {
            coldStart = Math.max(coldStart, s.coldStartSeconds());
        }
        double rate = snapshot.arrivalRate();
        double planned = forecast.planned(rate, lead + coldStart, snapshot.waitingRequests(),
                config.backlogDrainTime().toNanos() / 1e9);
        // a burst that came at this time on earlier days is sized for before it comes: seen, it is a cold start late
        double rise = past.rise(nowNanos, lead, lead + coldStart);
        boolean foreseen = rate + rise > planned;
        planned = Math.max(planned, rate + rise);
        for (VariantSpec s : group) {
            work.get(s.name()).plannedRate = planned;
            work.get(s.name()).recurringRise = foreseen ? rise : 0;
        }
        if (!candidates.isEmpty()) {
            // scale-up is planned for the rate; a plan that removes replicas must also carry the margin
            CostOptimizer.Allocation plan = CostOptimizer.allocateWithMargin(candidates, planned,
                    rate * (1 + config.scaleDownMargin()));
            for (CostOptimizer.Candidate c : candidates) {
                DecisionDraft w = work.get(c.name());
                w.modelTarget = plan.replicas().get(c.name());
                w.unmet = plan.unmet();
            }
        }
        SaturationAnalysis sat = saturation.analyze(group, observed, mix, snapshot.queuedTokens());
        double modelKv = modelKv(group, work, sat);
        double neededKv = sat.demandTokens() / config.saturation().scaleDownBoundary();
        boolean guardSatisfied = !Double.isNaN(modelKv) && modelKv >= neededKv;
        Map<String, Integer> toppedUp = guardSatisfied || Double.isNaN(modelKv) ? null
                : topUp(group, work, sat, neededKv);
        for (VariantSpec s : group) {
            DecisionDraft w = work.get(s.name());
            w.guardSatisfied = guardSatisfied;
            w.demandTokens = sat.demandTokens();
            w.supplyTokens = sat.supplyTokens();
            if (sat.informed()) {
                w.saturationTarget = toppedUp != null ? toppedUp.get(s.name()) : sat.targets().get(s.name());
                w.saturationShortfall = sat.shortfallTokens();
            }
            w.combine();
        }
    }

    /**
     * The KV capacity of the model's targets at the analyzer's capacity per replica; NaN for a single variant, an
     * uninformed analyzer, or a variant without a model target or a known capacity. Where it covers the demand at the
     * analyzer's scale-down boundary ({@code demand / scaleDownBoundary}, stricter than its scale-up threshold), the
     * guard is satisfied and the model's targets stand as they are. Combining variant by variant instead would let
     * the analyzer, which removes replicas from the most expensive variant first, hold replicas of a class the
     * optimizer moved away from (ten L4s kept beside the H100 that replaced them: docs/benchmarks.md, "Three hardware
     * classes").
     */
    private static double modelKv(List<VariantSpec> group, Map<String, DecisionDraft> work, SaturationAnalysis sat) {
        if (!sat.informed() || group.size() < 2) {
            return Double.NaN;
        }
        double supply = 0;
        for (VariantSpec s : group) {
            DecisionDraft w = work.get(s.name());
            Double perReplica = sat.capacityPerReplica().get(s.name());
            if (w.modelTarget == null || perReplica == null || !(perReplica > 0)) {
                return Double.NaN;
            }
            supply += w.modelTarget * perReplica;
        }
        return supply;
    }

    /**
     * Where the model's allocation holds less KV than the guard's boundary asks ({@code neededKv}): the model's
     * targets plus the least costly replicas that make up the difference (where some variant has no model target or
     * no known capacity, the caller takes the analyzer's own targets). The difference is covered like
     * a rate, by the cost optimizer over KV tokens: adding from the least cost per KV token until covered overshoots
     * a small gap with a large replica (at night on the three-class day a 13,000-token gap, which one small replica
     * at 1.2 per hour covers, brought in a large one at 10, on and off all night). Taking, variant by variant, the
     * larger of the model's targets and the analyzer's (which keep what is running and give up replicas in its own
     * order) would keep both fleets: after the 19:00 spike of that day the analyzer held five A100s beside the H100s
     * the model had chosen.
     */
    private Map<String, Integer> topUp(List<VariantSpec> group, Map<String, DecisionDraft> work,
            SaturationAnalysis sat, double neededKv) {
        List<CostOptimizer.Candidate> candidates = new ArrayList<>(group.size());
        for (VariantSpec s : group) {
            DecisionDraft w = work.get(s.name());
            candidates.add(new CostOptimizer.Candidate(s.name(), sat.capacityPerReplica().get(s.name()),
                    s.costPerReplicaHour(), Math.min(w.modelTarget, s.maxReplicas()), s.maxReplicas(), w.current,
                    coldStartPenalty(s)));
        }
        return CostOptimizer.allocate(candidates, neededKv).replicas();
    }

    /** Waking a variant from zero, paid off over the cold-start horizon (per hour). */
    private double coldStartPenalty(VariantSpec s) {
        return s.costPerReplicaHour() * s.coldStartSeconds() / (config.coldStartHorizon().toNanos() / 1e9);
    }

    private void applyZeroRules(List<VariantSpec> group, ModelSnapshot snapshot, Map<String, DecisionDraft> work,
            boolean load, boolean idle, long idleNanos) {
        int current = 0;
        int desired = 0;
        for (VariantSpec s : group) {
            current += work.get(s.name()).current;
            desired += work.get(s.name()).desired;
        }
        if (idle) {
            for (VariantSpec s : group) {
                DecisionDraft w = work.get(s.name());
                if (w.desired != s.minReplicas() || w.current != s.minReplicas()) {
                    w.set(s.minReplicas(), ScalingReason.SCALE_TO_ZERO, String.format(Locale.ROOT,
                            "no load for %.0f s (scale to zero after %d s); minimum %d", idleNanos / 1e9,
                            config.scaleToZeroAfter().toSeconds(), s.minReplicas()));
                }
            }
            return;
        }
        boolean demandNow = snapshot.waitingRequests() > 0 || snapshot.arrivalRate() > 0;
        if (desired == 0 && (current > 0 || demandNow)) {
            DecisionDraft keeper = keeper(group, work);
            if (keeper == null) {
                return;
            }
            if (current == 0) {
                keeper.set(1, ScalingReason.SCALE_FROM_ZERO, snapshot.waitingRequests()
                        + " requests waiting and no replica: waking the cheapest variant at once");
            } else if (load) {
                keeper.set(1, ScalingReason.LOAD_FLOOR, "the model still has load: keeping one replica");
            } else {
                keeper.set(1, ScalingReason.HYSTERESIS, String.format(Locale.ROOT,
                        "idle for %.0f s of the %d s before scaling to zero", idleNanos / 1e9,
                        config.scaleToZeroAfter().toSeconds()));
            }
        } else if (current == 0 && desired > 0 && demandNow) {
            for (VariantSpec s : group) {
                DecisionDraft w = work.get(s.name());
                if (w.desired > 0) {
                    w.set(w.desired, ScalingReason.SCALE_FROM_ZERO, snapshot.waitingRequests()
                            + " requests waiting and no replica: " + w.detail);
                }
            }
        }
    }

    /** The variant that keeps a group alive: the cheapest one running, else the cheapest one allowed to run. */
    private static DecisionDraft keeper(List<VariantSpec> group, Map<String, DecisionDraft> work) {
        Comparator<DecisionDraft> cheapest = Comparator.<DecisionDraft> comparingDouble(w -> w.spec.costPerReplicaHour())
                .thenComparing(w -> w.spec.name());
        return group.stream().map(s -> work.get(s.name())).filter(w -> w.current > 0).min(cheapest)
                .or(() -> group.stream().map(s -> work.get(s.name())).min(cheapest)).orElse(null);
    }

    private static void applyPdRatio(PdRatio ratio, List<VariantSpec> prefill, List<VariantSpec> decode,
            Map<String, DecisionDraft> work) {
        int p = total(prefill, work);
        int d = total(decode, work);
        if (d == 0) {
            return;
        }
        int needPrefill = (int) Math.ceil(ratio.min() * d - 1e-9);
        if (p < needPrefill) {
            raise(prefill, work, needPrefill - p, String.format(Locale.ROOT,
                    "prefill/decode ratio %d/%d below %.2f", p, d, ratio.min()));
        } else if (ratio.max() > 0 && p > ratio.max() * d + 1e-9) {
            int needDecode = (int) Math.ceil(p / ratio.max() - 1e-9);
            raise(decode, work, needDecode - d, String.format(Locale.ROOT,
                    "prefill/decode ratio %d/%d above %.2f", p, d, ratio.max()));
        }
    }

    private static int total(List<VariantSpec> group, Map<String, DecisionDraft> work) {
        int t = 0;
        for (VariantSpec s : group) {
            t += work.get(s.name()).desired;
        }
        return t;
    }

    /** Adds replicas to the cheapest variants with room, one variant at a time. */
    private static void raise(List<VariantSpec> group, Map<String, DecisionDraft> work, int replicas, String why) {
        List<VariantSpec> order = new ArrayList<>(group);
        order.sort(Comparator.comparingDouble(VariantSpec::costPerReplicaHour).thenComparing(VariantSpec::name));
        int left = replicas;
        for (VariantSpec s : order) {
            DecisionDraft w = work.get(s.name());
            int add = Math.min(left, s.maxReplicas() - w.desired);
            if (add > 0) {
                w.set(w.desired + add, ScalingReason.PD_RATIO, why);
                left -= add;
            }
        }
    }

    /** Scale-down only as far as every target of the last window allows; scale-up passes. */
    private void stabilize(DecisionDraft w, long nowNanos) {
        String name = w.spec.name();
        long window = config.stabilizationWindow().toNanos();
        Deque<Recommendation> h = history.computeIfAbsent(name, k -> new ArrayDeque<>());
        h.addLast(new Recommendation(nowNanos, w.desired));
        while (!h.isEmpty() && h.peekFirst().atNanos() < nowNanos - window) {
            h.removeFirst();
        }
        long first = firstDecided.computeIfAbsent(name, k -> nowNanos);
        if (w.desired >= w.current || w.reason == ScalingReason.SCALE_TO_ZERO || window == 0) {
            return;
        }
        int held = 0;
        for (Recommendation r : h) {
            held = Math.max(held, r.replicas());
        }
        boolean covered = nowNanos - first >= window;
        int floor = Math.min(w.spec.maxReplicas(), Math.min(w.current, covered ? held : w.current));
        if (floor > w.desired) {
            w.set(floor, ScalingReason.HYSTERESIS, String.format(Locale.ROOT,
                    "lower target %d not held for %d s (highest in window %d); %s", w.desired,
                    config.stabilizationWindow().toSeconds(), covered ? held : w.current, w.detail));
        }
    }
}
