package io.quarkiverse.llmd.engine.autoscaling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses replicas per variant so that their summed capacity carries a demand at the least cost.
 *
 * <p>
 * Minimize {@code sum(cost_v * r_v) + sum(coldStart_v for v woken from zero) + sum(removal_v * (current_v - r_v)
 * for v scaled down)} subject to {@code sum(capacity_v * r_v) >= demand} and {@code min_v <= r_v <= max_v}. That
 * is an integer covering problem; with the handful of variants a model has, a depth-first branch and bound solves
 * it exactly: variants in order of cost per unit of capacity, each tried from the most useful count down, pruned by
 * the fractional (LP) bound (the penalties are never negative, so it stays a lower bound). Equal costs prefer, in
 * turn, the allocation that adds fewer replicas (a replica added at no saving is churn: it starts cold, and what it
 * replaces is held for the stabilization window), the one that carries more (spare capacity at no cost), and the one
 * that moves fewer replicas. When demand exceeds every variant at its maximum, all run at their maximum and the
 * shortfall is reported.
 * <p>
 * Capacity before moves, among plans that only remove: with removal penalties, dropping four replicas at 5 per hour
 * costs what dropping two at 10 does, so after a spike that brought every class to its maximum, "keep the six
 * medium replicas, drop the two large" and "keep two of each" tied. Fewer moves chose the first, the decisions after
 * it chose other shapes as the demand moved (two large and one medium among them), and the stabilization window,
 * which keeps each variant's highest target, held them together for an hour: 2 large + 6 medium where 2 + 2 carried
 * more (docs/benchmarks.md, "Equal costs, two shapes").
 * <p>
 * The removal penalty is what a replica costs while the stabilization window still keeps it after the plan dropped
 * it. Without it, two allocations of nearly equal cost (two A100s, or one A100 and four L4s) alternate from one
 * decision to the next; scale-up is immediate and scale-down waits for the window, so the fleet pays for both.
 */
final class CostOptimizer {

    /**
     * How much cheaper than keeping the replicas that run (or only removing some of them) a plan that trades
     * replicas of one variant for another's must be before it is taken. Classes often cost within a few percent of
     * each other per request (an H100 at 10 per hour for 11.8-12.9 req/s, an A100 at 5 for 6.1), and the rates per
     * replica move by as much from one decision to the next; a trade made on that noise is undone at the next one,
     * the replicas added start at once and the ones dropped are held for the stabilization window, so the fleet
     * pays for both shapes (docs/benchmarks.md, "A queue that lasts, and the least costly top-up").
     */
    static final double TRADE_MARGIN = 0.05;

    /** Search budget; past it the best allocation found so far (the greedy one first) is returned. */
    static final int MAX_NODES = 200_000;
    private static final double EPS = 1e-9;

    /**
     * One variant as the optimizer sees it.
     *
     * @param name the variant
     * @param capacity requests per second one replica carries (0 when it cannot meet the targets)
     * @param cost cost per replica-hour
     * @param min lowest replicas
     * @param max highest replicas
     * @param current replicas now, for tie-breaking and the cold-start penalty
     * @param coldStartPenalty cost added when the variant goes from 0 to some replicas
     * @param removalPenalty cost added per replica below {@code current}; at most {@code cost}, so that keeping a
     *        replica the demand does not need never wins
     */
    record Candidate(String name, double capacity, double cost, int min, int max, int current,
            double coldStartPenalty, double removalPenalty) {

        /** A candidate whose replicas may go at no cost. */
        Candidate(String name, double capacity, double cost, int min, int max, int current, double coldStartPenalty) {
            this(name, capacity, cost, min, max, current, coldStartPenalty, 0);
        }

        /** The same variant between other bounds. */
        Candidate within(int lowest, int highest) {
            return new Candidate(name, capacity, cost, lowest, highest, current, coldStartPenalty, removalPenalty);
        }
    }

    /**
     * @param replicas chosen replicas per variant
     * @param cost total cost per hour (penalties included)
     * @param unmet demand no allocation within the bounds can carry, requests per second
     */
    record Allocation(Map<String, Integer> replicas, double cost, double unmet) {
    }

    private CostOptimizer() {
    }

    static Allocation allocate(List<Candidate> candidates, double demand) {
        Map<String, Integer> base = new HashMap<>();
        double remaining = demand;
        double baseCost = 0;
        List<Candidate> free = new ArrayList<>();
        double room = 0;
        for (Candidate c : candidates) {
            base.put(c.name(), c.min());
            remaining -= c.min() * c.capacity();
            baseCost += c.min() * c.cost();
            if (c.capacity() > 0 && c.max() > c.min()) {
                free.add(c);
                room += (c.max() - c.min()) * c.capacity();
            } else {
                baseCost += penalty(c, c.min()); // fixed at min: its penalty is settled
            }
        }
        if (remaining <= EPS * Math.max(1, demand)) {
            double cost = baseCost;
            for (Candidate c : free) {
                cost += penalty(c, c.min());
            }
            return new Allocation(base, cost, 0);
        }
        if (room < remaining - EPS * Math.max(1, demand)) {
            Map<String, Integer> all = new HashMap<>(base);
            double cost = baseCost;
            for (Candidate c : free) {
                all.put(c.name(), c.max());
                cost += (c.max() - c.min()) * c.cost() + penalty(c, c.max());
            }
            return new Allocation(all, cost, remaining - room);
        }
        free.sort(Comparator.comparingDouble((Candidate c) -> c.cost() / c.capacity()).thenComparing(Candidate::name));
        Search s = new Search(free, demand);
        s.run(0, remaining, baseCost, new int[free.size()]);
        Map<String, Integer> chosen = new HashMap<>(base);
        for (int i = 0; i < free.size(); i++) {
            chosen.merge(free.get(i).name(), s.best[i], Integer::sum);
        }
        return new Allocation(chosen, s.bestCost, 0);
    }

    /**
     * The plan for {@code demand} under the scale-down margin: replicas may go only if the plan carries
     * {@code downDemand} (at least {@code demand}). The cheaper of the best plan that removes nothing and carries
     * {@code demand}, and the best plan that carries {@code downDemand}; on a tie, the one that removes nothing.
     * Where the best plan for {@code downDemand} trades (adds to one variant and removes from another), it is taken
     * only if it is more than {@link #TRADE_MARGIN} cheaper than both the plan that removes nothing and the best plan
     * that only removes; otherwise the cheaper of those two stands.
     * <p>
     * One whole plan, not a per-variant maximum of the plans for the two demands: those often differ in shape where
     * classes tie (two replicas at 5 per hour against one at 10), and their maximum keeps both shapes. On the
     * three-class day the plan for the rate was 2 large + 3 medium replicas and the plan for the rate plus margin 3
     * large + 1 medium, both at 35 per hour; their maximum held 3 + 3, at 45, through the afternoon.
     */
    static Allocation allocateWithMargin(List<Candidate> candidates, double demand, double downDemand) {
        List<Candidate> keep = new ArrayList<>(candidates.size());
        List<Candidate> removeOnly = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            int atCurrent = Math.max(c.min(), Math.min(c.max(), c.current()));
            keep.add(c.within(atCurrent, c.max()));
            removeOnly.add(c.within(c.min(), atCurrent));
        }
        Allocation stay = allocate(keep, demand);
        Allocation down = allocate(candidates, Math.max(demand, downDemand));
        if (down.unmet() == 0 && trades(candidates, down)) {
            Allocation shrink = allocate(removeOnly, Math.max(demand, downDemand));
            Allocation keepShape = shrink.unmet() == 0 && shrink.cost() < stay.cost() ? shrink : stay;
            if (down.cost() >= keepShape.cost() * (1 - TRADE_MARGIN)) {
                down = keepShape;
            }
        }
        boolean cheaper = down.cost() < stay.cost() - EPS * Math.max(1, Math.abs(stay.cost()));
        return down.unmet() == 0 && stay.unmet() == 0 && cheaper ? down : stay;
    }

    /** Whether {@code plan} adds replicas to some variant and removes replicas from another. */
    private static boolean trades(List<Candidate> candidates, Allocation plan) {
        boolean adds = false;
        boolean removes = false;
        for (Candidate c : candidates) {
            int replicas = plan.replicas().get(c.name());
            adds |= replicas > c.current();
            removes |= replicas < c.current();
        }
        return adds && removes;
    }

    /** Waking from zero and replicas removed; never negative. */
    private static double penalty(Candidate c, int replicas) {
        double wake = c.current() == 0 && replicas > 0 ? c.coldStartPenalty() : 0;
        return wake + Math.max(0, c.current() - replicas) * c.removalPenalty();
    }

    /** Depth-first search over extra replicas (above min) per free variant. */
    private static final class Search {
        private final List<Candidate> free;
        private final double tolerance;
        /** suffixRatio[i] = the lowest cost per capacity among free[i..]. */
        private final double[] suffixRatio;
        /** restAtMin[i] = the penalties of free[i..] left at their minimum. */
        private final double[] restAtMin;
        int[] best;
        double bestCost = Double.POSITIVE_INFINITY;
        int bestAdds = Integer.MAX_VALUE;
        double bestCapacity;
        int bestMoves = Integer.MAX_VALUE;
        int nodes;

        Search(List<Candidate> free, double demand) {
            this.free = free;
            this.tolerance = EPS * Math.max(1, demand);
            this.suffixRatio = new double[free.size() + 1];
            this.restAtMin = new double[free.size() + 1];
            suffixRatio[free.size()] = Double.POSITIVE_INFINITY;
            for (int i = free.size() - 1; i >= 0; i--) {
                Candidate c = free.get(i);
                suffixRatio[i] = Math.min(suffixRatio[i + 1], c.cost() / c.capacity());
                restAtMin[i] = restAtMin[i + 1] + penalty(c, c.min());
            }
        }

        void run(int i, double remaining, double cost, int[] extra) {
            nodes++;
            if (remaining <= tolerance) {
                offer(cost + restAtMin[i], extra);
                return;
            }
            if (i == free.size() || nodes > MAX_NODES && best != null) {
                return;
            }
            // Fractional bound: the rest covered at the best remaining cost per capacity.
            if (cost + remaining * suffixRatio[i] > bestCost + EPS * Math.max(1, bestCost)) {
                return;
            }
            Candidate c = free.get(i);
            int most = (int) Math.min(c.max() - c.min(), (long) Math.ceil(remaining / c.capacity() - 1e-12));
            for (int k = most; k >= 0; k--) {
                extra[i] = k;
                run(i + 1, remaining - k * c.capacity(), cost + k * c.cost() + penalty(c, c.min() + k), extra);
            }
            extra[i] = 0;
        }

        private void offer(double cost, int[] extra) {
            int adds = 0;
            int moves = 0;
            double capacity = 0;
            for (int i = 0; i < free.size(); i++) {
                Candidate c = free.get(i);
                int replicas = c.min() + extra[i];
                adds += Math.max(0, replicas - c.current());
                moves += Math.abs(replicas - c.current());
                capacity += replicas * c.capacity();
            }
            double slack = EPS * Math.max(1, Math.abs(bestCost));
            boolean better = best == null || cost < bestCost - slack
                    || cost <= bestCost + slack && breaksTheTie(adds, capacity, moves);
            if (better) {
                bestCost = cost;
                bestAdds = adds;
                bestCapacity = capacity;
                bestMoves = moves;
                best = extra.clone();
            }
        }

        /** Between allocations of equal cost: fewer replicas added, then more capacity, then fewer moved. */
        private boolean breaksTheTie(int adds, double capacity, int moves) {
            if (adds != bestAdds) {
                return adds < bestAdds;
            }
            if (Math.abs(capacity - bestCapacity) > EPS * Math.max(1, bestCapacity)) {
                return capacity > bestCapacity;
            }
            return moves < bestMoves;
        }
    }
}
