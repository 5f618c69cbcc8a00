package io.quarkiverse.llmd.benchmarks.sim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * Aggregate metrics of a run, for the whole run and per load stage, with inference-perf's definitions (reference
 * benchmarks.md 10.2), measured from when the client sent the request (its arrival, unless the client's concurrency
 * limit held it back; that wait is {@code client_wait_s}): TTFT = first token − send; E2E = last token − send;
 * TPOT = (E2E − TTFT) / (output − 1)
 * (requests with one output token have no TPOT); throughput = output tokens (or requests) of the completed requests
 * of the period / the period's duration, which runs from its first arrival to the last completion among its
 * requests; KV hit rate = prompt tokens the engine served from its prefix cache / prompt tokens of completed
 * requests. Percentiles interpolate linearly between order statistics (numpy's default). Latencies are over
 * completed requests; a stage's requests are those that arrived during it.
 */
public final class Summary {

    private Summary() {
    }

    /** The summary as an ordered map (the shape of summary.json). */
    public static Map<String, Object> of(RunResult run) {
        RequestLog log = run.log();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scheduler", run.scheduler());
        out.put("workload", run.workload().name());
        out.put("cluster", clusterMap(run));
        out.put("seed", run.seed());
        out.putAll(period(log, -1));
        out.put("virtual_duration_s", round(run.endTime()));
        out.put("engine_steps", run.engineSteps());
        out.put("preemptions", run.preemptions());
        List<WorkloadSpec.Stage> stages = run.workload().load().stages();
        Object[] perStage = new Object[stages.size()];
        for (int s = 0; s < stages.size(); s++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", s);
            m.put("rate", stages.get(s).rate());
            m.put("duration_s", stages.get(s).duration());
            m.put("start_s", round(run.stageStart()[s]));
            m.putAll(period(log, s));
            perStage[s] = m;
        }
        out.put("stages", Arrays.asList(perStage));
        return out;
    }

    private static Map<String, Object> clusterMap(RunResult run) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", run.cluster().name());
        c.put("pods", run.cluster().pods());
        c.put("hardware", run.cluster().hardware().name());
        c.put("kv_blocks_per_pod", run.cluster().hardware().kvBlocks());
        c.put("block_size", run.cluster().hardware().blockSize());
        c.put("max_num_seqs", run.cluster().maxNumSeqs());
        c.put("max_num_batched_tokens", run.cluster().maxNumBatchedTokens());
        return c;
    }

    /**
     * Metrics of the requests of one stage, or of all requests when {@code stage < 0}. A completed request whose
     * first token was never seen (a live response without content chunks) counts its finish as its first token.
     */
    public static Map<String, Object> period(RequestRecords log, int stage) {
        int n = log.size();
        int requests = 0;
        int completed = 0;
        int failed = 0;
        long outTokens = 0;
        long promptTokens = 0;
        long cached = 0;
        double first = Double.POSITIVE_INFINITY;
        double last = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (stage >= 0 && log.stage(i) != stage) {
                continue;
            }
            requests++;
            first = Math.min(first, log.arrival(i));
            byte status = log.status(i);
            if (status == RequestLog.OK) {
                completed++;
                outTokens += log.outputTokens(i);
                promptTokens += log.promptTokens(i);
                cached += log.cachedTokens(i);
                last = Math.max(last, log.finish(i));
            } else if (status != RequestLog.PENDING) {
                failed++;
            }
        }
        double[] ttft = new double[completed];
        double[] e2e = new double[completed];
        double[] tpot = new double[completed];
        double[] wait = new double[completed];
        int k = 0;
        int kt = 0;
        for (int i = 0; i < n; i++) {
            if ((stage >= 0 && log.stage(i) != stage) || log.status(i) != RequestLog.OK) {
                continue;
            }
            double sent = log.sent(i);
            double finish = log.finish(i);
            double firstToken = Double.isNaN(log.firstToken(i)) ? finish : log.firstToken(i);
            ttft[k] = firstToken - sent;
            e2e[k] = finish - sent;
            wait[k] = sent - log.arrival(i);
            k++;
            int output = log.outputTokens(i);
            if (output > 1) {
                tpot[kt++] = (finish - firstToken) / (output - 1);
            }
        }
        double duration = completed == 0 ? 0 : last - first;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests);
        m.put("completed", completed);
        m.put("failed", failed);
        m.put("output_tokens", outTokens);
        m.put("output_tokens_per_s", duration > 0 ? round(outTokens / duration) : 0.0);
        m.put("requests_per_s", duration > 0 ? round(completed / duration) : 0.0);
        m.put("ttft_s", stats(ttft, completed));
        m.put("tpot_s", stats(tpot, kt));
        m.put("e2e_s", stats(e2e, completed));
        m.put("client_wait_s", stats(wait, completed));
        m.put("kv_hit_rate", promptTokens == 0 ? 0.0 : round((double) cached / promptTokens));
        return m;
    }

    /** p50, p90, p99 and mean of the first {@code n} values. */
    public static Map<String, Object> stats(double[] values, int n) {
        double[] v = Arrays.copyOf(values, n);
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", round(percentile(v, 50)));
        m.put("p90", round(percentile(v, 90)));
        m.put("p99", round(percentile(v, 99)));
        m.put("mean", round(n == 0 ? 0 : sum / n));
        return m;
    }

    /** Linear interpolation between closest ranks over a sorted array; 0 when empty. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        double pos = (sorted.length - 1) * p / 100.0;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** Six significant decimals are plenty and keep summary.json stable and readable. */
    public static double round(double v) {
        if (!Double.isFinite(v)) {
            return 0;
        }
        return Math.round(v * 1e6) / 1e6;
    }
}
