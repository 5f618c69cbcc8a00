package io.quarkiverse.llmd.benchmarks.live;

import static io.quarkiverse.llmd.benchmarks.sim.Summary.percentile;
import static io.quarkiverse.llmd.benchmarks.sim.Summary.round;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.benchmarks.sim.RequestLog;
import io.quarkiverse.llmd.benchmarks.sim.Summary;
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
        out.putAll(Summary.period(log, -1));
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
            m.putAll(Summary.period(log, s));
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
        // always present (empty when nothing failed): failure reason -> count
        out.put("errors", run.errors());
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
}
