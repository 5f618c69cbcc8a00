package io.quarkiverse.llmd.benchmarks.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code gateways} section of a summary: per gateway replica, the requests it routed, their KV hit rate
 * (cached / prompt tokens of completed requests, as the run's {@code kv_hit_rate}) and TTFT; plus what the KV-event
 * ingestion applied. Per stage too, so that a replica's degradation shows where the load is.
 */
public final class GatewaySummary {

    private GatewaySummary() {
    }

    public static Map<String, Object> of(GatewayRun run, GatewayOptions options) {
        RequestLog log = run.result().log();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("replicas", run.replicas());
        m.put("spread", options.spread().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("kv_event_delay_s", options.kvEventDelaySeconds());
        m.put("precise_index", options.preciseIndex() == PreciseIndexes.Sharing.SHARED ? "shared" : "per-replica");
        List<Map<String, Object>> perReplica = new ArrayList<>();
        double minHit = Double.POSITIVE_INFINITY;
        for (int g = 0; g < run.replicas(); g++) {
            Map<String, Object> r = replica(log, run.gatewayOf(), g, -1);
            minHit = Math.min(minHit, ((Number) r.get("kv_hit_rate")).doubleValue());
            perReplica.add(r);
        }
        m.put("min_replica_kv_hit_rate", Summary.round(minHit));
        m.put("per_replica", perReplica);
        if (!run.kvEvents().isEmpty()) {
            m.put("kv_events", run.kvEvents());
        }
        return m;
    }

    /** One replica's requests, hit rate and TTFT, over the run ({@code stage < 0}) or one stage. */
    static Map<String, Object> replica(RequestLog log, int[] gatewayOf, int replica, int stage) {
        int requests = 0;
        int completed = 0;
        long prompt = 0;
        long cached = 0;
        double[] ttft = new double[log.size()];
        for (int i = 0; i < log.size(); i++) {
            if (gatewayOf[i] != replica || (stage >= 0 && log.stage(i) != stage)) {
                continue;
            }
            requests++;
            if (log.status(i) != RequestLog.OK) {
                continue;
            }
            prompt += log.promptTokens(i);
            cached += log.cachedTokens(i);
            double first = Double.isNaN(log.firstToken(i)) ? log.finish(i) : log.firstToken(i);
            ttft[completed++] = first - log.sent(i);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("replica", replica);
        m.put("requests", requests);
        m.put("completed", completed);
        m.put("kv_hit_rate", prompt == 0 ? 0.0 : Summary.round((double) cached / prompt));
        m.put("ttft_s", Summary.stats(ttft, completed));
        return m;
    }
}
