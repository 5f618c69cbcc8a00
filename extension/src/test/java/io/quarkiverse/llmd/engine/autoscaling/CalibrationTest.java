package io.quarkiverse.llmd.engine.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CalibrationTest {

    /** Shaped like a 32B model on two H100s: 14 ms per step, heavier per-token slopes. */
    static final ServiceParameters TRUTH = new ServiceParameters(14, 0.05, 0.0001);
    static final TokenMix MIX = new TokenMix(2000, 300);

    private static VariantCalibrator calibrator() {
        return new VariantCalibrator(CalibrationConfig.defaults(), SaturationConfig.defaults());
    }

    @Test
    void convergesOnSamplesFromKnownParameters() {
        VariantCalibrator c = calibrator();
        Synthetic gen = new Synthetic(TRUTH, 7, 0.02);
        for (int i = 0; i < 3000; i++) {
            c.observe(gen.next(64));
        }
        Calibration cal = c.calibration(MIX, 64);
        assertThat(cal.confident()).isTrue();
        assertThat(cal.confidence()).isGreaterThan(0.9);
        assertThat(cal.relativeError()).isLessThan(0.01);
        ServiceParameters fit = cal.parameters();
        assertThat(fit.alpha()).isCloseTo(TRUTH.alpha(), within(TRUTH.alpha() * 0.05));
        assertThat(fit.beta()).isCloseTo(TRUTH.beta(), within(TRUTH.beta() * 0.05));
        assertThat(fit.gamma()).isCloseTo(TRUTH.gamma(), within(TRUTH.gamma() * 0.10));
        // What the queueing model needs: the iteration times at the observed mix.
        for (int n : new int[] { 1, 32, 64 }) {
            assertThat(fit.decodeMillis(n, MIX)).isCloseTo(TRUTH.decodeMillis(n, MIX),
                    within(TRUTH.decodeMillis(n, MIX) * 0.01));
            assertThat(fit.prefillMillis(n, MIX)).isCloseTo(TRUTH.prefillMillis(n, MIX),
                    within(TRUTH.prefillMillis(n, MIX) * 0.01));
        }
    }

    @Test
    void noiselessSamplesRecoverTheParametersExactly() {
        VariantCalibrator c = calibrator();
        Synthetic gen = new Synthetic(TRUTH, 11, 0);
        for (int i = 0; i < 200; i++) {
            c.observe(gen.next(128));
        }
        ServiceParameters fit = c.calibration(MIX, 128).parameters();
        assertThat(fit.alpha()).isCloseTo(14, within(1e-3));
        assertThat(fit.beta()).isCloseTo(0.05, within(1e-6));
        assertThat(fit.gamma()).isCloseTo(0.0001, within(1e-8));
    }

    @Test
    void aParameterThatIsZeroStaysZero() {
        // No memory-bound slope at all: the unconstrained fit would wander below zero on noise.
        ServiceParameters truth = new ServiceParameters(20, 0.08, 0);
        VariantCalibrator c = calibrator();
        Synthetic gen = new Synthetic(truth, 5, 0.03);
        for (int i = 0; i < 2000; i++) {
            c.observe(gen.next(64));
        }
        ServiceParameters fit = c.calibration(MIX, 64).parameters();
        assertThat(fit.gamma()).isGreaterThanOrEqualTo(0).isLessThan(2e-6);
        assertThat(fit.beta()).isCloseTo(0.08, within(0.004));
    }

    @Test
    void followsAChangeOfHardwareThroughForgetting() {
        VariantCalibrator c = calibrator();
        Synthetic before = new Synthetic(new ServiceParameters(30, 0.1, 0.0003), 1, 0.02);
        for (int i = 0; i < 3000; i++) {
            c.observe(before.next(64));
        }
        Synthetic after = new Synthetic(TRUTH, 2, 0.02);
        for (int i = 0; i < 3000; i++) {
            c.observe(after.next(64));
        }
        ServiceParameters fit = c.calibration(MIX, 64).parameters();
        assertThat(fit.alpha()).isCloseTo(TRUTH.alpha(), within(TRUTH.alpha() * 0.05));
        assertThat(fit.beta()).isCloseTo(TRUTH.beta(), within(TRUTH.beta() * 0.05));
    }

    @Test
    void tooFewSamplesAreNotConfident() {
        VariantCalibrator c = calibrator();
        assertThat(c.calibration(MIX, 64).parameters()).isNull();
        assertThat(c.calibration(MIX, 64).confidence()).isZero();
        Synthetic gen = new Synthetic(TRUTH, 3, 0.02);
        for (int i = 0; i < 5; i++) {
            c.observe(gen.next(64));
        }
        Calibration cal = c.calibration(MIX, 64);
        assertThat(cal.parameters()).isNotNull();
        assertThat(cal.samples()).isCloseTo(10, within(0.1));
        assertThat(cal.confident()).isFalse();
        assertThat(cal.confidence()).isLessThan(0.5);
    }

    @Test
    void samplesThatCannotSeparateTheSlopesAreNotConfident() {
        // Always the same batch size and mix: the fit reproduces that one point, but nothing tells how the
        // step time grows with the batch, which the queueing model needs.
        VariantCalibrator c = calibrator();
        Synthetic gen = new Synthetic(TRUTH, 4, 0.02);
        for (int i = 0; i < 2000; i++) {
            c.observe(gen.sample(8, 2000, 300));
        }
        Calibration cal = c.calibration(MIX, 64);
        assertThat(cal.samples()).isGreaterThan(CalibrationConfig.defaults().minSamples());
        assertThat(cal.confident()).isFalse();
        assertThat(cal.relativeError()).isGreaterThan(0.1);
        assertThat(cal.parameters().decodeMillis(8, MIX)).isCloseTo(TRUTH.decodeMillis(8, MIX),
                within(TRUTH.decodeMillis(8, MIX) * 0.01));
    }

    @Test
    void podMetricsBoundTheBatch() {
        VariantCalibrator c = calibrator();
        assertThat(c.maxBatch(256)).isEqualTo(256);
        // 40 running at 50 % KV: one request holds 1.25 %, so 0.80 / 0.0125 = 64 fit below the KV threshold.
        c.observe(new PodSample(0, 40, 0.5));
        assertThat(c.maxBatch(256)).isEqualTo(64);
        assertThat(c.maxBatch(32)).isEqualTo(32);
        // 6 queued (at or above queueLengthThreshold 5) with 50 running and the cache at the KV threshold (0.80):
        // 50 is where this replica stops admitting (the KV share moves to 0.0132: 60 would fit)
        c.observe(new PodSample(6, 50, 0.8));
        assertThat(c.maxBatch(256)).isEqualTo(50);
        // a short queue says nothing about the limit
        c.observe(new PodSample(2, 10, 0.125));
        assertThat(c.maxBatch(256)).isEqualTo(50);
    }

    @Test
    void aQueueWithCacheToSpareSaysNothingAboutTheLimit() {
        // vLLM holds prompts back with cache to spare only for this step's token budget: a burst of arrivals
        // between two prefill chunks, gone with the step (5-7 waiting at 7-46 % of the cache on the simulated day)
        VariantCalibrator c = calibrator();
        for (int i = 0; i < 20; i++) {
            c.observe(new PodSample(7, 30, 0.3));
        }
        // only the KV share bounds it: 0.80 / (0.30 / 30) = 80
        assertThat(c.maxBatch(256)).isEqualTo(80);
        // the same queue with the cache at the threshold is the replica's limit
        c.observe(new PodSample(7, 30, 0.8));
        assertThat(c.maxBatch(256)).isEqualTo(30);
    }

    @Test
    void theGatewaysAdmissionLimitBoundsTheBatch() {
        // the gateway stops feeding this replica at 152.6 requests (its KV size over the tokens booked per request),
        // far below what its cache holds (0.80 / 0.0025 = 320) and below --max-num-seqs 256
        VariantCalibrator c = calibrator();
        c.observe(new PodSample(0, 40, 0.1, 152.6));
        assertThat(c.maxBatch(256)).isEqualTo(152);
        assertThat(c.maxBatch(64)).isEqualTo(64);
        // a scrape without a known limit (the replica held nothing) keeps the estimate; a new one moves it by 0.2 of the way
        c.observe(new PodSample(0, 0, 0.0));
        assertThat(c.maxBatch(256)).isEqualTo(152);
        c.observe(new PodSample(0, 40, 0.1, 100));
        assertThat(c.maxBatch(256)).isEqualTo(142);
        assertThatThrownBy(() -> new PodSample(0, 1, 0.1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PodSample(0, 1, 0.1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReplicaRunningMoreThanTheLimitWithoutAQueueRaisesIt() {
        // a queue at the KV threshold at a small batch (the cache then held longer requests); with N there, the
        // plans load each replica to about N, and only queues at about N are seen again (seed 13 of the three-class
        // day)
        VariantCalibrator c = calibrator();
        c.observe(new PodSample(5, 12, 0.8));
        assertThat(c.maxBatch(256)).isEqualTo(12);
        // the replicas then run 30 with nothing waiting: 12 was not where they stop admitting
        for (int i = 0; i < 20; i++) {
            c.observe(new PodSample(1, 30, 0.25));
        }
        assertThat(c.maxBatch(256)).isEqualTo(30);
        // running below the limit without a queue says nothing; a queue at 24 lowers it again
        c.observe(new PodSample(0, 4, 0.03));
        assertThat(c.maxBatch(256)).isEqualTo(30);
        for (int i = 0; i < 20; i++) {
            c.observe(new PodSample(8, 24, 0.8));
        }
        assertThat(c.maxBatch(256)).isEqualTo(24);
    }

    @Test
    void theLargestRecentBatchIsTheLargestTheFitStillRemembers() {
        // forgetting 0.99: the fit remembers 1 / (1 - 0.99) = 100 requests
        VariantCalibrator c = new VariantCalibrator(new CalibrationConfig(40, 0.1, 0.99, 0.2),
                SaturationConfig.defaults());
        assertThat(c.largestRecentBatch()).isZero();
        Synthetic gen = new Synthetic(TRUTH, 5, 0.02);
        c.observe(gen.sample(50, 1000, 200));
        for (int i = 0; i < 99; i++) {
            c.observe(gen.sample(5, 1000, 200));
        }
        // the batch-50 request is the 100th most recent: still remembered
        assertThat(c.largestRecentBatch()).isEqualTo(50);
        c.observe(gen.sample(5, 1000, 200));
        assertThat(c.largestRecentBatch()).isEqualTo(5);

        // without forgetting, every request counts
        VariantCalibrator all = new VariantCalibrator(new CalibrationConfig(40, 0.1, 1, 0.2),
                SaturationConfig.defaults());
        all.observe(gen.sample(50, 1000, 200));
        for (int i = 0; i < 1000; i++) {
            all.observe(gen.sample(5, 1000, 200));
        }
        assertThat(all.largestRecentBatch()).isEqualTo(50);
    }

    @Test
    void configIsValidated() {
        assertThatThrownBy(() -> new CalibrationConfig(100, 0.1, 0.99, 0.2)).hasMessageContaining("remembers");
        assertThatThrownBy(() -> new CalibrationConfig(2, 0.1, 1, 0.2)).hasMessageContaining("minSamples");
        assertThatThrownBy(() -> new RequestSample(10, 0, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
