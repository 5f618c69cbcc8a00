package io.quarkiverse.llmd.engine.autoscaling;

/**
 * Online calibration of one variant's model from what the gateway sees.
 *
 * <ul>
 * <li>Completed requests ({@link RequestSample}) feed the fit of the iteration-time parameters.</li>
 * <li>Pod scrapes ({@link PodSample}) feed the batch limit N: a replica that queues
 * {@code queueLengthThreshold} or more requests with its KV cache at {@code kvCacheThreshold} runs at its limit, so
 * its running count is that limit, and one that runs more than that estimate with fewer waiting shows the limit is
 * higher; the KV share of one running request tells how many fit below the KV threshold
 * ({@code kvCacheThreshold / share}); the gateway's admission limit ({@link PodSample#admissionLimit()}) is a limit
 * of its own. Each is smoothed; the lowest of them and the configured {@code --max-num-seqs} is N.</li>
 * <li>The largest batch among the requests the fit still remembers ({@link #largestRecentBatch()}): how far the
 * fit has seen the replicas go. A linear fit of timings taken at small batches says little about large ones.</li>
 * </ul>
 * Not thread-safe: the caller serializes observations and decisions, as everywhere in the engine.
 */
public final class VariantCalibrator {

    private final CalibrationConfig config;
    private final SaturationConfig thresholds;
    private final ServiceTimeFit fit;
    private double kvPerRequest = Double.NaN;
    private double saturatedRunning = Double.NaN;
    private double admitted = Double.NaN;
    /** batch sizes of the last {@code recentBatches.length} requests (a ring); {@code null}: no forgetting */
    private final int[] recentBatches;
    private int nextBatch;
    private int largestEver;

    /** Longest remembered run of batch sizes, so that a forgetting factor close to 1 cannot take much memory. */
    static final int MAX_REMEMBERED_BATCHES = 1 << 16;

    public VariantCalibrator(CalibrationConfig config, SaturationConfig thresholds) {
        this.config = config;
        this.thresholds = thresholds;
        this.fit = new ServiceTimeFit(config.forgetting());
        // the fit's memory in observations, 1 / (1 - forgetting): the batches it still reflects
        this.recentBatches = config.forgetting() < 1
                ? new int[(int) Math.min(MAX_REMEMBERED_BATCHES, Math.round(1 / (1 - config.forgetting())))]
                : null;
    }

    /** Records one completed request. */
    public void observe(RequestSample sample) {
        fit.add(sample);
        int batch = (int) Math.round(sample.batchSize());
        if (recentBatches == null) {
            largestEver = Math.max(largestEver, batch);
        } else {
            recentBatches[nextBatch] = batch;
            nextBatch = (nextBatch + 1) % recentBatches.length;
        }
    }

    /**
     * The largest batch among the requests the fit remembers (each sample's batch, rounded): the last
     * {@code 1 / (1 - forgetting)} requests (at most {@link #MAX_REMEMBERED_BATCHES}), or all of them without
     * forgetting; 0 before the first.
     */
    public int largestRecentBatch() {
        if (recentBatches == null) {
            return largestEver;
        }
        int largest = 0;
        for (int b : recentBatches) {
            largest = Math.max(largest, b);
        }
        return largest;
    }

    /** Records one scrape of one replica. */
    public void observe(PodSample pod) {
        if (pod.running() > 0 && pod.kvUsage() > 0) {
            kvPerRequest = smooth(kvPerRequest, pod.kvUsage() / pod.running());
        }
        // A queue with the KV cache full shows where the replica stops admitting; running beyond the estimate
        // without one shows it stops later. Without the second the estimate could only fall: plans sized at a low N
        // load each replica to about N, so later queues are seen only at N again. A queue with cache to spare is not
        // a limit: vLLM holds a prompt back only for lack of cache, of a batch slot (--max-num-seqs, N's own bound)
        // or of room in this step's token budget, and the last passes with the step. Counted, the bursts of prompts
        // between two prefill chunks put N at the batch of the moment (5 waiting at 7-46 % of the cache on the
        // simulated day) and the plans then held every H100 near 14 req/s, where it carries 18 (docs/benchmarks.md,
        // "The batch limit the gateway sets"). (NaN compares false: only a queue starts the estimate.)
        boolean queued = pod.running() > 0 && pod.waiting() >= thresholds.queueLengthThreshold()
                && pod.kvUsage() >= thresholds.kvCacheThreshold();
        if (queued || pod.running() > saturatedRunning) {
            saturatedRunning = smooth(saturatedRunning, pod.running());
        }
        if (pod.admissionLimit() > 0) {
            admitted = smooth(admitted, pod.admissionLimit());
        }
    }

    private double smooth(double old, double value) {
        return Double.isNaN(old) ? value : old + config.podSmoothing() * (value - old);
    }

    /** The batch limit N for the queueing model, given the configured {@code --max-num-seqs}. */
    public int maxBatch(int configuredMaxNumSeqs) {
        double n = configuredMaxNumSeqs;
        if (!Double.isNaN(kvPerRequest)) {
            n = Math.min(n, Math.floor(thresholds.kvCacheThreshold() / kvPerRequest));
        }
        if (!Double.isNaN(saturatedRunning)) {
            n = Math.min(n, Math.round(saturatedRunning));
        }
        if (!Double.isNaN(admitted)) {
            n = Math.min(n, Math.floor(admitted));
        }
        return (int) Math.max(1, n);
    }

    /** The calibrated model for {@code mix} and its confidence over batch sizes 1 to the batch limit N. */
    public Calibration calibration(TokenMix mix, int configuredMaxNumSeqs) {
        return calibration(mix, configuredMaxNumSeqs, Integer.MAX_VALUE);
    }

    /**
     * The calibrated model for {@code mix} and its confidence over batch sizes 1 to {@code upToBatch} (at most N):
     * how well the fit predicts where the queueing model will be used. A pool whose gateway never lets a replica
     * run more than 64 requests never shows how step time grows towards vLLM's 256; the fit is then uncertain at
     * 256 and can still be sure at the batch the replicas run at the planned rate.
     */
    public Calibration calibration(TokenMix mix, int configuredMaxNumSeqs, int upToBatch) {
        int maxBatch = maxBatch(configuredMaxNumSeqs);
        double samples = fit.rows();
        ServiceTimeFit.Result result = fit.solve();
        if (result == null || mix == null) {
            return new Calibration(result == null ? null : result.parameters(), samples, Double.POSITIVE_INFINITY, 0,
                    false, maxBatch);
        }
        double error = result.relativeError(mix, Math.max(1, Math.min(maxBatch, upToBatch)));
        double confidence = Math.min(1, samples / config.minSamples())
                * Math.max(0, Math.min(1, 1 - error / (2 * config.maxRelativeError())));
        boolean confident = samples >= config.minSamples() && error <= config.maxRelativeError();
        return new Calibration(result.parameters(), samples, error, confidence, confident, maxBatch);
    }
}
