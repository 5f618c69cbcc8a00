package io.quarkiverse.llmd.engine.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class QueueingModelTest {

    @Test
    void currentFormIterationTimes() {
        // alpha 10, beta 0.02, gamma 0.001; I = 1000, O = 200.
        // tokensCompute = 1200 / 201 = 5.970149; tokensMemory = 1000 + 100 = 1100
        // T_iter(4) = 10 + 4 * (0.02 * 5.970149 + 0.001 * 1100) = 14.877612
        // T_pre(4) = T_iter(4) + 0.021 * 1000 = 35.877612;  T_dec(4) = T_iter(4) + 0.02 + 1.1 = 15.997612
        ServiceParameters p = new ServiceParameters(10, 0.02, 0.001);
        TokenMix mix = new TokenMix(1000, 200);
        assertThat(p.iterationMillis(4, mix)).isCloseTo(14.877612, within(1e-6));
        assertThat(p.prefillMillis(4, mix)).isCloseTo(35.877612, within(1e-6));
        assertThat(p.decodeMillis(4, mix)).isCloseTo(15.997612, within(1e-6));
        // service(4) = T_pre(4) + 200 * T_dec(4) = 35.8776119 + 3199.5223881 = 3235.4
        assertThat(p.serviceMillis(4, mix)).isCloseTo(3235.4, within(1e-9));
        assertThat(p.prefillMillis(4, new TokenMix(0, 5))).isZero();
    }

    @Test
    void legacyFormAndItsEffectiveConcurrency() {
        // The reference's granite-13b A100 decode fit (alpha 20.58, beta 0.41) with gamma 5.2, delta 0.1.
        // I = 100, O = 78, n = 4: T_dec = 20.58 + 1.64 = 22.22; T_pre = 5.2 + 0.1 * 100 * 4 = 45.2
        // service = 45.2 + 77 * 22.22 = 1756.14
        LegacyServiceParameters p = new LegacyServiceParameters(20.58, 0.41, 5.2, 0.1);
        TokenMix mix = new TokenMix(100, 78);
        assertThat(p.serviceMillis(4, mix)).isCloseTo(1756.14, within(1e-9));
        // A solved service time of exactly service(4) means an effective concurrency of 4.
        ServiceTimeModel.Latency lat = p.latency(3.7, 1756.14, 12, mix);
        assertThat(lat.itlMillis()).isCloseTo(22.22, within(1e-9));
        assertThat(lat.ttftMillis()).isCloseTo(12 + 45.2, within(1e-9));
        // no prompt and a single token: one decode step
        assertThat(p.serviceMillis(2, new TokenMix(0, 1))).isCloseTo(21.4, within(1e-12));
    }

    @Test
    void singleSlotIsTheTextbookMm1k() {
        // N = 1, ratio 2 -> K = 3. No prompt, one output token, alpha 10 ms: every request takes 10 ms,
        // mu = 100/s. At 50/s rho = 1/2: p = (8, 4, 2, 1) / 15.
        // L = (4 + 4 + 3) / 15 = 11/15;  X = 50 * 14/15 = 140/3 /s;  T = L / X = 33/2100 s = 15.714 ms
        // B = 1 - p0 = 7/15;  S = B / X = 10 ms;  W = T - S = 40/7 ms;  ITL = S;  TTFT = W + ITL = T
        QueueingModel q = new QueueingModel(new ServiceParameters(10, 0, 0), new TokenMix(0, 1), 1, 2);
        assertThat(q.capacity()).isEqualTo(3);
        QueueState s = q.solve(50);
        assertThat(s.meanInSystem()).isCloseTo(11.0 / 15, within(1e-12));
        assertThat(s.blockingProbability()).isCloseTo(1.0 / 15, within(1e-12));
        assertThat(s.throughput()).isCloseTo(140.0 / 3, within(1e-9));
        assertThat(s.responseMillis()).isCloseTo(33.0 / 2100 * 1000, within(1e-9));
        assertThat(s.meanBusy()).isCloseTo(7.0 / 15, within(1e-12));
        assertThat(s.serviceMillis()).isCloseTo(10, within(1e-9));
        assertThat(s.waitMillis()).isCloseTo(40.0 / 7, within(1e-9));
        assertThat(s.utilization()).isCloseTo(7.0 / 15, within(1e-12));
        assertThat(s.itlMillis()).isCloseTo(10, within(1e-9));
        assertThat(s.ttftMillis()).isCloseTo(33.0 / 2100 * 1000, within(1e-9));
    }

    @Test
    void serviceRateDependsOnTheBatch() {
        // alpha 8, beta 4, gamma 0; I = 0, O = 1 -> tokensCompute = tokensMemory = 1/2
        // T_dec(n) = 8 + 2n + 4 = 12 + 2n, no prefill: service(1) = 14 ms, service(2) = 16 ms
        // mu(1) = 1/14 per ms, mu(2) = 2/16 per ms. N = 2, ratio 1 -> K = 4.
        // At 100/s = 0.1 per ms: lambda/mu(1) = 1.4, lambda/mu(2) = 0.8
        // unnormalized p = 1, 1.4, 1.12, 0.896, 0.7168 (sum 5.1328)
        QueueingModel q = new QueueingModel(new ServiceParameters(8, 4, 0), new TokenMix(0, 1), 2, 1);
        assertThat(q.serviceRate(1)).isCloseTo(1000.0 / 14, within(1e-9));
        assertThat(q.serviceRate(2)).isCloseTo(125, within(1e-9));
        assertThat(q.serviceRate(7)).isCloseTo(125, within(1e-9));
        double sum = 1 + 1.4 + 1.12 + 0.896 + 0.7168;
        double inSystem = (1.4 + 2 * 1.12 + 3 * 0.896 + 4 * 0.7168) / sum;
        double busy = (1.4 + 2 * (1.12 + 0.896 + 0.7168)) / sum;
        double blocking = 0.7168 / sum;
        double throughput = 100 * (1 - blocking);
        double response = inSystem / throughput * 1000;
        double service = busy / throughput * 1000;

        QueueState s = q.solve(100);
        assertThat(s.meanInSystem()).isCloseTo(inSystem, within(1e-12));
        assertThat(s.meanBusy()).isCloseTo(busy, within(1e-12));
        assertThat(s.throughput()).isCloseTo(throughput, within(1e-9));
        assertThat(s.responseMillis()).isCloseTo(response, within(1e-9));
        assertThat(s.serviceMillis()).isCloseTo(service, within(1e-9));
        assertThat(s.waitMillis()).isCloseTo(response - service, within(1e-9));
        assertThat(s.utilization()).isCloseTo(busy / 2, within(1e-12));
        // no prefill and one output token: ITL = S, TTFT = W + S = T
        assertThat(s.itlMillis()).isCloseTo(service, within(1e-9));
        assertThat(s.ttftMillis()).isCloseTo(response, within(1e-9));
        // spelled out: 1.79146... requests in the replica, 86.035 req/s served
        assertThat(s.meanInSystem()).isCloseTo(1.791459, within(1e-6));
        assertThat(s.throughput()).isCloseTo(86.0349, within(1e-4));
    }

    @Test
    void idleReplicaServesALoneRequest() {
        QueueingModel q = new QueueingModel(new ServiceParameters(8, 4, 0), new TokenMix(0, 1), 2, 1);
        QueueState s = q.solve(0);
        assertThat(s.throughput()).isZero();
        assertThat(s.waitMillis()).isZero();
        assertThat(s.ttftMillis()).isCloseTo(14, within(1e-12));
        assertThatThrownBy(() -> q.solve(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyStatesDoNotOverflow() {
        // N = 256, K = 2816, far beyond saturation: the log-space products must not overflow.
        QueueingModel q = new QueueingModel(new ServiceParameters(15, 0.05, 0.0001), new TokenMix(2000, 300), 256);
        QueueState s = q.solve(q.maxRate() * 50);
        assertThat(s.blockingProbability()).isBetween(0.9, 1.0);
        assertThat(s.meanInSystem()).isBetween(2800.0, 2816.0);
        assertThat(s.utilization()).isCloseTo(1, within(1e-9));
        assertThat(Double.isFinite(s.ttftMillis())).isTrue();
    }

    @Test
    void latencyGrowsWithLoad() {
        QueueingModel q = new QueueingModel(new ServiceParameters(15, 0.05, 0.0001), new TokenMix(2000, 300), 64);
        double previousTtft = 0;
        double previousItl = 0;
        for (double f = 0.05; f < 1; f += 0.05) {
            QueueState s = q.solve(q.maxRate() * f);
            assertThat(s.ttftMillis()).isGreaterThan(previousTtft);
            assertThat(s.itlMillis()).isGreaterThanOrEqualTo(previousItl);
            previousTtft = s.ttftMillis();
            previousItl = s.itlMillis();
        }
    }

    @Test
    void maxRateMeetsTheTtftTargetExactly() {
        // Single slot: TTFT is the M/M/1/K response time, 10 ms when idle, rising with load.
        QueueingModel q = new QueueingModel(new ServiceParameters(10, 0, 0), new TokenMix(0, 1), 1, 2);
        ReplicaCapacity c = q.maxRate(new SloTargets(0.015, 0));
        assertThat(c.limit()).isEqualTo(ReplicaCapacity.Limit.TTFT);
        assertThat(c.feasible()).isTrue();
        assertThat(c.state().ttftMillis()).isCloseTo(15, within(1e-3));
        // The capacity is the throughput at that rate, a little below the offered rate (some arrivals blocked).
        assertThat(c.ratePerSecond()).isEqualTo(c.state().throughput()).isLessThan(c.state().arrivalRate());
        // At 50/s TTFT is 15.71 ms > 15 ms, so the answer lies below 50/s.
        assertThat(c.state().arrivalRate()).isLessThan(50).isGreaterThan(30);
    }

    @Test
    void maxRateBoundByItlOrStabilityOrInfeasible() {
        QueueingModel q = new QueueingModel(new ServiceParameters(8, 4, 0), new TokenMix(0, 1), 2, 1);
        // ITL ranges from 14 ms (one in the batch) to 16 ms (two).
        ReplicaCapacity itl = q.maxRate(new SloTargets(0, 0.015));
        assertThat(itl.limit()).isEqualTo(ReplicaCapacity.Limit.ITL);
        assertThat(itl.state().itlMillis()).isCloseTo(15, within(1e-3));

        ReplicaCapacity loose = q.maxRate(new SloTargets(0, 0.020));
        assertThat(loose.limit()).isEqualTo(ReplicaCapacity.Limit.STABILITY);
        assertThat(loose.state().arrivalRate()).isCloseTo(q.maxRate(), within(1e-9));

        ReplicaCapacity none = q.maxRate(new SloTargets(0, 0.013));
        assertThat(none.limit()).isEqualTo(ReplicaCapacity.Limit.INFEASIBLE_ITL);
        assertThat(none.feasible()).isFalse();
        assertThat(none.ratePerSecond()).isZero();

        assertThat(q.maxRate(new SloTargets(0.010, 0)).limit()).isEqualTo(ReplicaCapacity.Limit.INFEASIBLE_TTFT);
        // both targets: the tighter one wins
        ReplicaCapacity both = q.maxRate(new SloTargets(0.100, 0.015));
        assertThat(both.limit()).isEqualTo(ReplicaCapacity.Limit.ITL);
    }

    @Test
    void longerOutputsLowerTheRatePerReplica() {
        ServiceParameters p = new ServiceParameters(14, 0.05, 0.00006);
        SloTargets slo = new SloTargets(2, 0.05);
        double prefillHeavy = new QueueingModel(p, new TokenMix(4000, 1000), 128).maxRate(slo).ratePerSecond();
        double decodeHeavy = new QueueingModel(p, new TokenMix(1000, 4000), 128).maxRate(slo).ratePerSecond();
        assertThat(prefillHeavy).isGreaterThan(0);
        assertThat(decodeHeavy).isGreaterThan(0).isLessThan(prefillHeavy);
    }
}
