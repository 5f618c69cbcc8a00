package io.quarkiverse.llmd.engine.autoscaling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The token-based saturation analyzer (V2, reference autoscaler 1.5.2 and deltas 3.4), used as the safety net
 * beside the model and as the sole decider while the model is not calibrated.
 *
 * <p>
 * Per replica, capacity in KV tokens is {@code min(k1, k2)}: {@code k1 = C * kvCacheThreshold} bounds memory, and
 * {@code k2} bounds compute, taken by priority from what the replica shows when it queues (its resident tokens;
 * which queues count is the {@link QueueEvidence}), the mean of the last {@value #WINDOW} such observations for the
 * variant and output-length bucket, or what the batch limits imply
 * ({@code n = min(maxNumSeqs, maxNumBatchedTokens * O / (I + O))}, {@code k2 = n * (I + O/2)}).
 * A variant's capacity is the median over its ready replicas. Demand is resident tokens plus queued requests
 * times their charge (prompt for prefill replicas, prompt plus output otherwise) plus the gateway queue's tokens.
 *
 * <p>
 * Scaling up adds to the variant with the lowest cost per unit of capacity; scaling down removes, in WVA's order,
 * from the variant with the most expensive replica first, or, in {@link ScaleDownOrder#COST_PER_CAPACITY}, from the
 * one with the highest cost per unit of capacity first (the reverse of scaling up), and keeps the cheapest running
 * variant at one replica or more. Holds state (the observation window, the replicas queued at the last call)
 * across calls; not thread-safe, like the rest of the engine.
 */
public final class SaturationAnalyzerV2 {

    /** Which spare replicas go first. */
    public enum ScaleDownOrder {
        /**
         * The variant with the most expensive replica first, as WVA's optimizer does. With classes of very
         * different KV sizes this keeps the class that holds the least per unit of cost: ten L4s (1.2 each, 35,000
         * tokens) outlive the H100s (10 each, 380,000 tokens) that replaced them.
         */
        MOST_EXPENSIVE_REPLICA,
        /** The variant with the highest cost per unit of capacity first: the reverse of the scale-up order. */
        COST_PER_CAPACITY
    }

    /** Which queues count as a replica at its compute-bound capacity. */
    public enum QueueEvidence {
        /** Any observation with {@code queueLengthThreshold} requests waiting, as WVA takes it. */
        ANY_QUEUE,
        /**
         * Only a queue the replica also had at the previous analysis. With chunked prefill a replica queues for a
         * step whenever a burst of prompts exceeds its token budget, at any load; WVA's rule then records the tokens
         * it holds at that moment as its capacity. On the simulated three-class day that put an A100 with 380,000
         * tokens of cache at 53,000 and made the guard buy replicas the model did not need (docs/benchmarks.md, "A
         * queue that lasts, and the least costly top-up"). A queue still there one decision interval later is the
         * replica falling behind.
         */
        SUSTAINED_QUEUE
    }

    /** Observed compute-bound capacities remembered per variant and output bucket. */
    static final int WINDOW = 10;

    private final SaturationConfig config;
    private final ScaleDownOrder scaleDownOrder;
    private final QueueEvidence queueEvidence;
    private final Map<String, Deque<Double>> observedK2 = new HashMap<>();
    /** Per variant, its replicas that were queued at the previous analysis (replaced at each one: bounded). */
    private final Map<String, Set<String>> queuedBefore = new HashMap<>();

    /** The analyzer as WVA runs it: any queue is evidence, scale-down from the most expensive replica. */
    public SaturationAnalyzerV2(SaturationConfig config) {
        this(config, ScaleDownOrder.MOST_EXPENSIVE_REPLICA, QueueEvidence.ANY_QUEUE);
    }

    public SaturationAnalyzerV2(SaturationConfig config, ScaleDownOrder scaleDownOrder, QueueEvidence queueEvidence) {
        this.config = config;
        this.scaleDownOrder = scaleDownOrder;
        this.queueEvidence = queueEvidence;
    }

    public SaturationConfig config() {
        return config;
    }

    /**
     * Analyzes one group of variants that serve the same requests.
     *
     * @param specs the group's variants
     * @param observed this cycle's observations by variant name; missing ones count as 0 replicas
     * @param mix the model's token mix, or {@code null} when unknown
     * @param queuedTokens tokens waiting in the gateway's queue for this group
     */
    public SaturationAnalysis analyze(List<VariantSpec> specs, Map<String, VariantObservation> observed, TokenMix mix,
            double queuedTokens) {
        Map<String, Double> capacity = new HashMap<>();
        Map<String, Integer> targets = new HashMap<>();
        double demand = queuedTokens;
        double supply = 0;
        double anticipated = 0;
        boolean informed = false;
        boolean demandKnown = true;
        for (VariantSpec spec : specs) {
            VariantObservation obs = observed.get(spec.name());
            int current = obs == null ? 0 : obs.currentReplicas();
            int ready = obs == null ? 0 : obs.readyReplicas();
            List<Double> perReplica = new ArrayList<>();
            Set<String> wasQueued = queuedBefore.getOrDefault(spec.name(), Set.of());
            Set<String> queued = new HashSet<>();
            if (obs != null) {
                for (ReplicaMetrics r : obs.replicas()) {
                    demand += r.tokensInUse() + r.waiting() * charge(spec.role(), mix, r);
                    boolean queueing = r.waiting() >= config.queueLengthThreshold();
                    if (queueing) {
                        queued.add(r.pod());
                    }
                    if (r.ready() && r.kvCapacityTokens() > 0) {
                        boolean evidence = queueing
                                && (queueEvidence == QueueEvidence.ANY_QUEUE || wasQueued.contains(r.pod()));
                        perReplica.add(replicaCapacity(spec, mix, r, evidence));
                    }
                }
            }
            queuedBefore.put(spec.name(), queued);
            // Serving replicas whose KV size or usage is missing hide their demand: reading that as "no demand"
            // would scale down blind, so the analyzer keeps out of the decision instead.
            demandKnown &= perReplica.size() >= ready;
            double cap = perReplica.isEmpty() ? fallbackCapacity(spec, mix) : median(perReplica);
            informed |= cap > 0;
            capacity.put(spec.name(), cap);
            targets.put(spec.name(), current);
            supply += ready * cap;
            anticipated += current * cap;
        }
        informed &= demandKnown;
        double required = demand / config.scaleUpThreshold() - anticipated;
        double spare = supply - demand / config.scaleDownBoundary();
        double shortfall = 0;
        if (informed) {
            if (required > 0) {
                shortfall = addReplicas(specs, capacity, targets, required);
            } else if (spare > 0) {
                removeReplicas(specs, capacity, targets, spare, scaleDownOrder);
            }
        }
        return new SaturationAnalysis(informed, demand, supply, anticipated, required, spare, shortfall, capacity,
                targets);
    }

    private static double charge(Role role, TokenMix mix, ReplicaMetrics r) {
        if (mix == null) {
            // Without a mix, assume a queued request needs what a running one holds.
            return r.running() > 0 ? r.tokensInUse() / r.running() : 0;
        }
        return role == Role.PREFILL ? mix.promptTokens() : mix.promptTokens() + mix.outputTokens();
    }

    private double replicaCapacity(VariantSpec spec, TokenMix mix, ReplicaMetrics r, boolean queued) {
        double k1 = r.kvCapacityTokens() * config.kvCacheThreshold();
        double k2;
        if (queued && r.tokensInUse() > 0) {
            k2 = r.tokensInUse();
            remember(spec, mix, k2);
        } else {
            k2 = historical(spec, mix);
            if (k2 <= 0) {
                k2 = derived(spec, mix);
            }
        }
        return k2 > 0 ? Math.min(k1, k2) : k1;
    }

    /** Capacity of a variant none of whose replicas reports a KV size: what was observed or derived before. */
    private double fallbackCapacity(VariantSpec spec, TokenMix mix) {
        double h = historical(spec, mix);
        return h > 0 ? h : derived(spec, mix);
    }

    private void remember(VariantSpec spec, TokenMix mix, double k2) {
        Deque<Double> window = observedK2.computeIfAbsent(key(spec, mix), k -> new ArrayDeque<>());
        window.addLast(k2);
        if (window.size() > WINDOW) {
            window.removeFirst();
        }
    }

    private double historical(VariantSpec spec, TokenMix mix) {
        Deque<Double> window = observedK2.get(key(spec, mix));
        if (window == null || window.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (double v : window) {
            sum += v;
        }
        return sum / window.size();
    }

    private static double derived(VariantSpec spec, TokenMix mix) {
        if (mix == null || spec.maxNumBatchedTokens() == 0) {
            return 0;
        }
        double in = mix.promptTokens();
        double out = mix.outputTokens();
        double steadyState = Math.min(spec.maxNumSeqs(), spec.maxNumBatchedTokens() * out / (in + out));
        return steadyState * (in + out / 2);
    }

    private static String key(VariantSpec spec, TokenMix mix) {
        double out = mix == null ? 0 : mix.outputTokens();
        String bucket = out < 100 ? "short" : out < 500 ? "medium" : "long";
        return spec.name() + '|' + bucket;
    }

    private static double median(List<Double> values) {
        values.sort(null);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    /** Adds replicas by cost per capacity; returns the tokens no variant had room for. */
    private static double addReplicas(List<VariantSpec> specs, Map<String, Double> capacity,
            Map<String, Integer> targets, double required) {
        List<VariantSpec> order = new ArrayList<>(specs);
        order.removeIf(s -> capacity.get(s.name()) <= 0);
        order.sort(Comparator.<VariantSpec> comparingDouble(s -> s.costPerReplicaHour() / capacity.get(s.name()))
                .thenComparing(VariantSpec::name));
        double remaining = required;
        for (VariantSpec s : order) {
            if (remaining <= 0) {
                break;
            }
            double cap = capacity.get(s.name());
            int current = targets.get(s.name());
            int add = (int) Math.min(s.maxReplicas() - (long) current, (long) Math.ceil(remaining / cap));
            if (add > 0) {
                targets.put(s.name(), current + add);
                remaining -= add * cap;
            }
        }
        return Math.max(0, remaining);
    }

    private static void removeReplicas(List<VariantSpec> specs, Map<String, Double> capacity,
            Map<String, Integer> targets, double spare, ScaleDownOrder scaleDownOrder) {
        // The cheapest variant that runs keeps a replica: the analyzer never scales a model to zero on its own.
        VariantSpec keeper = specs.stream().filter(s -> targets.get(s.name()) > 0)
                .min(Comparator.comparingDouble(VariantSpec::costPerReplicaHour).thenComparing(VariantSpec::name))
                .orElse(null);
        List<VariantSpec> order = new ArrayList<>(specs);
        order.removeIf(s -> capacity.get(s.name()) <= 0);
        Comparator<VariantSpec> cost = scaleDownOrder == ScaleDownOrder.MOST_EXPENSIVE_REPLICA
                ? Comparator.comparingDouble(VariantSpec::costPerReplicaHour)
                : Comparator.comparingDouble(s -> s.costPerReplicaHour() / capacity.get(s.name()));
        order.sort(cost.thenComparing(VariantSpec::name).reversed());
        double left = spare;
        for (VariantSpec s : order) {
            double cap = capacity.get(s.name());
            if (cap <= 0) {
                continue;
            }
            int floor = Math.max(s.minReplicas(), s == keeper ? 1 : 0);
            int target = targets.get(s.name());
            while (target > floor && left >= cap) {
                target--;
                left -= cap;
            }
            targets.put(s.name(), target);
        }
    }
}
