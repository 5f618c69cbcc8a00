package io.quarkiverse.llmd.benchmarks.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingTrace;

/**
 * What an autoscaled run cost and how it served: errors (requests that did not complete: shed by flow control,
 * rejected or timed out), TTFT over the completed requests, provisioned replicas (starting, ready and draining pods)
 * integrated over the run, and SLO minutes: per minute of arrivals, the TTFT p99 of that minute's requests, where a
 * request that failed counts as an infinite TTFT, against the target.
 */
public final class ScalingSummary {

    private ScalingSummary() {
    }

    /** The summary map (written into summary.json under {@code autoscaling}). */
    public static Map<String, Object> of(ScaledRun run, double ttftP99Target) {
        RequestLog log = run.result().log();
        ScalingTrace trace = run.trace();
        double end = Math.max(run.result().endTime(), 1e-9);
        int errors = 0;
        double[] ttft = new double[log.size()];
        int n = 0;
        for (int i = 0; i < log.size(); i++) {
            if (log.status(i) == RequestLog.OK) {
                ttft[n++] = log.firstToken(i) - log.sent(i);
            } else {
                errors++;
            }
        }
        double[] sorted = Arrays.copyOf(ttft, n);
        Arrays.sort(sorted);
        double[] perMinute = minuteP99(log);
        int met = 0;
        for (double v : perMinute) {
            met += v <= ttftP99Target ? 1 : 0;
        }
        double replicaSeconds = trace.replicaSeconds(end);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", trace.policy());
        m.put("requests", log.size());
        m.put("errors", errors);
        m.put("ttft_p50_s", Summary.round(Summary.percentile(sorted, 50)));
        m.put("ttft_p99_s", Summary.round(Summary.percentile(sorted, 99)));
        m.put("ttft_p99_target_s", ttftP99Target);
        m.put("minutes", perMinute.length);
        m.put("slo_minutes_met", met);
        m.put("slo_minutes_met_fraction", perMinute.length == 0 ? 1.0 : Summary.round((double) met / perMinute.length));
        m.put("avg_replicas", Summary.round(replicaSeconds / end));
        m.put("replica_hours", Summary.round(replicaSeconds / 3600));
        m.put("peak_replicas", trace.peak());
        m.put("cost", Summary.round(trace.cost(end)));
        if (trace.variants().size() > 1) {
            Map<String, Object> byVariant = new LinkedHashMap<>();
            for (int v = 0; v < trace.variants().size(); v++) {
                byVariant.put(trace.variants().get(v), Summary.round(trace.replicaSeconds(v, end) / end));
            }
            m.put("avg_replicas_by_variant", byVariant);
        }
        m.put("pods_created", trace.podsCreated());
        m.put("duration_s", Summary.round(end));
        List<Double> p99 = new ArrayList<>();
        for (double v : perMinute) {
            p99.add(Double.isInfinite(v) ? -1.0 : Summary.round(v));
        }
        m.put("ttft_p99_per_minute_s", p99);
        return m;
    }

    /** TTFT p99 of each minute's arrivals (failed requests infinite; NaN-free: a minute without arrivals is 0). */
    static double[] minuteP99(RequestLog log) {
        double last = 0;
        for (int i = 0; i < log.size(); i++) {
            last = Math.max(last, log.arrival(i));
        }
        int minutes = log.size() == 0 ? 0 : (int) Math.floor(last / 60) + 1;
        List<List<Double>> buckets = new ArrayList<>();
        for (int k = 0; k < minutes; k++) {
            buckets.add(new ArrayList<>());
        }
        for (int i = 0; i < log.size(); i++) {
            double v = log.status(i) == RequestLog.OK ? log.firstToken(i) - log.sent(i) : Double.POSITIVE_INFINITY;
            buckets.get((int) Math.floor(log.arrival(i) / 60)).add(v);
        }
        double[] out = new double[minutes];
        for (int k = 0; k < minutes; k++) {
            List<Double> b = buckets.get(k);
            if (b.isEmpty()) {
                continue;
            }
            double[] a = b.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            // nearest-rank p99: one failure in a hundred is enough to miss the minute
            out[k] = a[Math.max(0, (int) Math.ceil(0.99 * a.length) - 1)];
        }
        return out;
    }
}
