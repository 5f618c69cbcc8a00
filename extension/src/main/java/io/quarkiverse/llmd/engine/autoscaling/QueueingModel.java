package io.quarkiverse.llmd.engine.autoscaling;

import java.util.function.ToDoubleFunction;

/**
 * One replica as a birth-death queue with a state-dependent service rate (M/M/1/K, reference 1.4.3-1.4.4).
 *
 * <p>
 * Continuous batching serves up to {@code N} requests at once, and each iteration gets slower as the batch grows,
 * so the replica's completion rate in state {@code n} (requests in the replica) is
 * {@code mu(n) = m / service(m)} with {@code m = min(n, N)}. Requests beyond {@code N} wait, up to
 * {@code Q = ratio * N} of them; {@code K = N + Q} states. The stationary distribution is
 * {@code p(n) = p(0) * prod_{i=1..n} lambda / mu(i)}, computed in log space so that overloaded states cannot
 * overflow.
 *
 * <p>
 * Inside, rates are per millisecond as the service-time functions are; the public methods take and return
 * requests per second.
 */
public final class QueueingModel {

    /** Waiting requests allowed per batch slot (the reference's MaxQueueToBatchRatio). */
    public static final int DEFAULT_QUEUE_TO_BATCH_RATIO = 10;
    /** Fraction of the stable range kept away from its ends. */
    static final double EPSILON = 0.001;
    private static final int MAX_ITERATIONS = 100;
    private static final double RELATIVE_TOLERANCE = 1e-6;

    private final ServiceTimeModel service;
    private final TokenMix mix;
    private final int maxBatch;
    private final int states;
    /** mu[m], requests per millisecond with m requests in the batch, m = 1..N. */
    private final double[] mu;
    /** log(mu[m]), so that a solve costs no logarithm per state. */
    private final double[] logMu;

    /**
     * @param service the replica's iteration-time model
     * @param mix the token mix the replica serves
     * @param maxBatch N, the most requests decoded together
     * @param queueToBatchRatio waiting requests allowed per batch slot
     */
    public QueueingModel(ServiceTimeModel service, TokenMix mix, int maxBatch, int queueToBatchRatio) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        if (queueToBatchRatio < 0) {
            throw new IllegalArgumentException("queueToBatchRatio must be >= 0, got " + queueToBatchRatio);
        }
        this.service = service;
        this.mix = mix;
        this.maxBatch = maxBatch;
        this.states = maxBatch + queueToBatchRatio * maxBatch;
        this.mu = new double[maxBatch + 1];
        this.logMu = new double[maxBatch + 1];
        for (int m = 1; m <= maxBatch; m++) {
            double t = service.serviceMillis(m, mix);
            if (!(t > 0) || Double.isInfinite(t)) {
                throw new IllegalArgumentException("service time at batch " + m + " is " + t + " ms");
            }
            mu[m] = m / t;
            logMu[m] = Math.log(mu[m]);
        }
    }

    public QueueingModel(ServiceTimeModel service, TokenMix mix, int maxBatch) {
        this(service, mix, maxBatch, DEFAULT_QUEUE_TO_BATCH_RATIO);
    }

    /** K, the most requests the replica holds. */
    public int capacity() {
        return states;
    }

    /** The service rate in requests per second with {@code n >= 1} requests in the replica. */
    public double serviceRate(int n) {
        return mu[Math.min(n, maxBatch)] * 1000;
    }

    /** The low end of the searched range: a tiny fraction of one request's service rate. */
    public double minRate() {
        return mu[1] * EPSILON * 1000;
    }

    /** The high end of the searched range: just below the full batch's service rate. */
    public double maxRate() {
        return mu[maxBatch] * (1 - EPSILON) * 1000;
    }

    /** The replica's steady state at {@code ratePerSecond} offered requests per second. */
    public QueueState solve(double ratePerSecond) {
        if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be a finite number >= 0, got " + ratePerSecond);
        }
        if (ratePerSecond == 0) {
            // An idle replica: a lone arrival is served alone without waiting.
            double s = service.serviceMillis(1, mix);
            ServiceTimeModel.Latency lat = service.latency(1, s, 0, mix);
            return new QueueState(0, 0, 0, 0, s, s, 0, 0, 0, lat.ttftMillis(), lat.itlMillis());
        }
        double lambda = ratePerSecond / 1000;
        double logLambda = Math.log(lambda);
        double[] p = new double[states + 1];
        double max = 0;
        for (int n = 1; n <= states; n++) {
            p[n] = p[n - 1] + logLambda - logMu[Math.min(n, maxBatch)];
            max = Math.max(max, p[n]);
        }
        double sum = 0;
        for (int n = 0; n <= states; n++) {
            p[n] = Math.exp(p[n] - max);
            sum += p[n];
        }
        double inSystem = 0;
        double busy = 0;
        for (int n = 0; n <= states; n++) {
            p[n] /= sum;
            inSystem += n * p[n];
            busy += Math.min(n, maxBatch) * p[n];
        }
        double blocking = p[states];
        double throughput = lambda * (1 - blocking);
        double response = inSystem / throughput;
        double serviceTime = busy / throughput;
        double wait = Math.max(0, response - serviceTime);
        double utilization = Math.min(1, Math.max(0, busy / maxBatch));
        ServiceTimeModel.Latency lat = service.latency(busy, serviceTime, wait, mix);
        return new QueueState(ratePerSecond, throughput * 1000, inSystem, busy, response, serviceTime, wait,
                utilization, blocking, lat.ttftMillis(), lat.itlMillis());
    }

    /**
     * The highest rate one replica carries while its predicted mean TTFT and ITL stay within {@code targets}
     * (reference 1.4.4): a bisection per target over the stable range, the smaller rate wins, and the replica's
     * throughput there is its capacity.
     */
    public ReplicaCapacity maxRate(SloTargets targets) {
        double lo = minRate();
        double hi = maxRate();
        double best = hi;
        ReplicaCapacity.Limit limit = ReplicaCapacity.Limit.STABILITY;
        if (targets.ttftSeconds() > 0) {
            double rate = highestRateWithin(QueueState::ttftMillis, targets.ttftSeconds() * 1000, lo, hi);
            if (rate < 0) {
                return ReplicaCapacity.infeasible(ReplicaCapacity.Limit.INFEASIBLE_TTFT);
            }
            if (rate < best) {
                best = rate;
                limit = ReplicaCapacity.Limit.TTFT;
            }
        }
        if (targets.itlSeconds() > 0) {
            double rate = highestRateWithin(QueueState::itlMillis, targets.itlSeconds() * 1000, lo, hi);
            if (rate < 0) {
                return ReplicaCapacity.infeasible(ReplicaCapacity.Limit.INFEASIBLE_ITL);
            }
            if (rate < best) {
                best = rate;
                limit = ReplicaCapacity.Limit.ITL;
            }
        }
        QueueState state = solve(best);
        return new ReplicaCapacity(state.throughput(), limit, state);
    }

    /**
     * The replica at the highest rate whose mean batch stays at most {@code batch}, reported as bound by
     * {@code limit}: how far a plan may trust a fit whose timings reach only that batch.
     */
    public ReplicaCapacity upToMeanBatch(double batch, ReplicaCapacity.Limit limit) {
        double rate = Math.max(minRate(), highestRateWithin(QueueState::meanBusy, batch, minRate(), maxRate()));
        QueueState state = solve(rate);
        return new ReplicaCapacity(state.throughput(), limit, state);
    }

    /** The largest rate in [lo, hi] whose metric is at most target; -1 if even lo misses it. */
    private double highestRateWithin(ToDoubleFunction<QueueState> metric, double target, double lo, double hi) {
        if (metric.applyAsDouble(solve(lo)) > target) {
            return -1;
        }
        if (metric.applyAsDouble(solve(hi)) <= target) {
            return hi;
        }
        for (int i = 0; i < MAX_ITERATIONS && hi - lo > RELATIVE_TOLERANCE * hi; i++) {
            double mid = (lo + hi) / 2;
            if (metric.applyAsDouble(solve(mid)) <= target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
