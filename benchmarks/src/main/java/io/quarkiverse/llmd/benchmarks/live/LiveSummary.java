package io.quarkiverse.llmd.benchmarks.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.benchmarks.sim.RequestLog;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * summary.json of a live run, in the shape of {@code llmd-bench sim}'s (the same keys for the whole run and per
 * stage, with the same definitions: reference benchmarks.md 10.2): latencies are measured from when the client sent
 * the request; a stage's requests are those that arrived during it; throughput runs from the period's first arrival
 * to its last completion. Wall seconds replace virtual ones ({@code duration_s} instead of
 * {@code virtual_duration_s}; no engine counters). In {@code extproc} mode TTFT is the decision latency (request
 * headers sent → request-headers reply with the destination) and E2E the whole ext_proc exchange; an {@code extproc}
 * block adds decisions/s and the decision latency's p99.9 and maximum, overall and per stage.
 */
final class LiveSummary {

    private LiveSummary() {
    }

    static Map<String, Object> of(LiveRun run, String label, String mode, List<String> targets, long seed,
            Map<String, Integer> destinations) {
        LiveLog log = run.log();
        WorkloadSpec workload = run.workload();
        Arrivals arrivals = run.arrivals();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scheduler", label);
        out.put("workload", workload.name());
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("name", "live-" + mode);
        cluster.put("mode", mode);
        Integer pods = null;
        if (mode.equals("direct")) {
            pods = targets.size();
        } else if (destinations != null && !destinations.isEmpty()) {
            pods = destinations.size();
        }
        cluster.put("pods", pods);
        cluster.put("hardware", "live");
        cluster.put("targets", targets);
        out.put("cluster", cluster);
        out.put("seed", seed);
        out.put("mode", mode);
        out.putAll(period(log, -1));
        double end = 0;
        for (int i = 0; i < log.size; i++) {
            if (!Double.isNaN(log.finish[i])) {
                end = Math.max(end, log.finish[i]);
            }
        }
        out.put("duration_s", round(end));
        out.put("max_send_lag_s", round(run.maxSendLag()));
        List<WorkloadSpec.Stage> stages = workload.load().stages();
        List<Object> perStage = new ArrayList<>();
        for (int s = 0; s < stages.size(); s++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", s);
            m.put("rate", stages.get(s).rate());
            m.put("duration_s", round(arrivals.stageDuration()[s]));
            m.put("start_s", round(arrivals.stageStart()[s]));
            m.putAll(period(log, s));
            perStage.add(m);
        }
        out.put("stages", perStage);
        if (mode.equals("extproc")) {
            Map<String, Object> x = new LinkedHashMap<>(decisions(log, -1));
            List<Object> xs = new ArrayList<>();
            for (int s = 0; s < stages.size(); s++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("stage", s);
                m.put("rate", stages.get(s).rate());
                m.putAll(decisions(log, s));
                xs.add(m);
            }
            x.put("destinations", destinationCounts(log, destinations));
            x.put("stages", xs);
            out.put("extproc", x);
        }
        Map<String, Long> errors = run.errors();
        if (!errors.isEmpty()) {
            out.put("errors", errors);
        }
        return out;
    }

    /** Requests per destination the picker chose (requests.csv's pod column is the index given here). */
    static Map<String, Object> destinationCounts(LiveLog log, Map<String, Integer> destinations) {
        Map<String, Object> out = new java.util.TreeMap<>();
        if (destinations == null) {
            return out;
        }
        int[] counts = new int[destinations.size() + 1];
        for (int i = 0; i < log.size; i++) {
            int p = log.pod[i];
            if (p >= 0 && p < counts.length) {
                counts[p]++;
            }
        }
        destinations.forEach((address, index) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("pod", index);
            d.put("requests", index < counts.length ? counts[index] : 0);
            out.put(address, d);
        });
        return out;
    }

    /** Decisions of a period: rate and latency with the tail that matters for a picker. */
    static Map<String, Object> decisions(LiveLog log, int stage) {
        int n = 0;
        int rejected = 0;
        double first = Double.POSITIVE_INFINITY;
        double last = Double.NEGATIVE_INFINITY;
        double[] lat = new double[log.size];
        for (int i = 0; i < log.size; i++) {
            if (stage >= 0 && log.stage[i] != stage) {
                continue;
            }
            if (!Double.isNaN(log.sent[i])) {
                first = Math.min(first, log.sent[i]);
            }
            if (log.status[i] == RequestLog.REJECTED) {
                rejected++;
            }
            if (!Double.isNaN(log.firstToken[i])) {
                lat[n++] = (log.firstToken[i] - log.sent[i]) * 1000;
                last = Math.max(last, log.firstToken[i]);
            }
        }
        double[] v = Arrays.copyOf(lat, n);
        Arrays.sort(v);
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("decisions", n);
        m.put("rejected", rejected);
        double d = last - first;
        m.put("decisions_per_s", n > 1 && d > 0 ? round(n / d) : 0.0);
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("p50", round(percentile(v, 50)));
        l.put("p90", round(percentile(v, 90)));
        l.put("p99", round(percentile(v, 99)));
        l.put("p999", round(percentile(v, 99.9)));
        l.put("mean", round(n == 0 ? 0 : sum / n));
        l.put("max", round(n == 0 ? 0 : v[n - 1]));
        m.put("decision_latency_ms", l);
        return m;
    }

    /** Metrics of the requests of one stage, or of all requests when {@code stage < 0} (as sim's Summary). */
    static Map<String, Object> period(LiveLog log, int stage) {
        int n = log.size;
        int requests = 0;
        int completed = 0;
        int failed = 0;
        long outTokens = 0;
        long promptTokens = 0;
        long cached = 0;
        double first = Double.POSITIVE_INFINITY;
        double last = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (stage >= 0 && log.stage[i] != stage) {
                continue;
            }
            requests++;
            first = Math.min(first, log.arrival[i]);
            if (log.status[i] == RequestLog.OK) {
                completed++;
                outTokens += log.outputTokens[i];
                promptTokens += log.promptTokens[i];
                cached += log.cachedTokens[i];
                last = Math.max(last, log.finish[i]);
            } else if (log.status[i] != RequestLog.PENDING) {
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
            if ((stage >= 0 && log.stage[i] != stage) || log.status[i] != RequestLog.OK) {
                continue;
            }
            double firstToken = Double.isNaN(log.firstToken[i]) ? log.finish[i] : log.firstToken[i];
            ttft[k] = firstToken - log.sent[i];
            e2e[k] = log.finish[i] - log.sent[i];
            wait[k] = log.sent[i] - log.arrival[i];
            k++;
            if (log.outputTokens[i] > 1) {
                tpot[kt++] = (log.finish[i] - firstToken) / (log.outputTokens[i] - 1);
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

    static Map<String, Object> stats(double[] values, int n) {
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

    /** Linear interpolation between closest ranks over a sorted array (numpy's default); 0 when empty. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        double pos = (sorted.length - 1) * p / 100.0;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    static double round(double v) {
        if (!Double.isFinite(v)) {
            return 0;
        }
        return Math.round(v * 1e6) / 1e6;
    }
}
