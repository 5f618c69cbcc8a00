package io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.utilization;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * {@code utilization-detector}, llm-d's default saturation detector, reading scraped metrics.
 * <ul>
 * <li>Endpoint saturation: {@code max(waitingQueue / queueDepthThreshold, kvCacheUsage / kvCacheUtilThreshold)}; 1.0
 * when its metrics are missing or older than {@code metricsStalenessThreshold} at {@link SchedulingContext#now()},
 * since an endpoint we cannot see must not attract traffic as if it were idle.</li>
 * <li>Pool saturation: the unweighted mean over the candidates; 1.0 for no candidates.</li>
 * <li>As a filter: keeps endpoints with fresh metrics, {@code queue <= Q * (1 + headroom)} and
 * {@code kv <= min(1, KV * (1 + headroom))}; when that would keep none it keeps all (fail open), so a pool-wide
 * metrics outage degrades routing instead of failing every request.</li>
 * </ul>
 */
public final class UtilizationDetector implements SaturationDetector, Filter {

    public static final String TYPE = "utilization-detector";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new UtilizationDetector(name,
            Parameters.decode(parameters, Params.class));

    /**
     * @param queueDepthThreshold waiting requests at which an endpoint counts as saturated; default 5, must be > 0
     * @param kvCacheUtilThreshold KV-cache usage fraction at which an endpoint counts as saturated; default 0.8, in
     *        (0, 1]
     * @param metricsStalenessThreshold age beyond which metrics count as missing, a Go duration; default "200ms",
     *        must be > 0
     * @param headroom fraction by which the filter may exceed the thresholds; default 0.0, must be >= 0
     */
    public record Params(Integer queueDepthThreshold, Double kvCacheUtilThreshold, String metricsStalenessThreshold,
            Double headroom) {

        public static final int DEFAULT_QUEUE_DEPTH_THRESHOLD = 5;
        public static final double DEFAULT_KV_CACHE_UTIL_THRESHOLD = 0.8;
        public static final String DEFAULT_METRICS_STALENESS_THRESHOLD = "200ms";

        public Params {
            if (queueDepthThreshold == null) {
                queueDepthThreshold = DEFAULT_QUEUE_DEPTH_THRESHOLD;
            }
            if (queueDepthThreshold <= 0) {
                throw new PluginConfigException("queueDepthThreshold", "queueDepthThreshold must be > 0, got "
                        + queueDepthThreshold);
            }
            if (kvCacheUtilThreshold == null) {
                kvCacheUtilThreshold = DEFAULT_KV_CACHE_UTIL_THRESHOLD;
            }
            if (!(kvCacheUtilThreshold > 0.0 && kvCacheUtilThreshold <= 1.0)) {
                throw new PluginConfigException("kvCacheUtilThreshold", "kvCacheUtilThreshold must be in (0, 1], got "
                        + kvCacheUtilThreshold);
            }
            if (metricsStalenessThreshold == null) {
                metricsStalenessThreshold = DEFAULT_METRICS_STALENESS_THRESHOLD;
            }
            Duration staleness = GoDuration.parse("metricsStalenessThreshold", metricsStalenessThreshold);
            if (staleness.isNegative() || staleness.isZero()) {
                throw new PluginConfigException("metricsStalenessThreshold", "metricsStalenessThreshold must be > 0,"
                        + " got '" + metricsStalenessThreshold + "'");
            }
            if (headroom == null) {
                headroom = 0.0;
            }
            if (!(headroom >= 0.0) || headroom.isInfinite()) {
                throw new PluginConfigException("headroom", "headroom must be a finite number >= 0, got " + headroom);
            }
        }

        /** The parsed staleness threshold. */
        public Duration staleness() {
            return GoDuration.parse("metricsStalenessThreshold", metricsStalenessThreshold);
        }
    }

    private final TypedName typedName;
    private final double queueDepthThreshold;
    private final double kvCacheUtilThreshold;
    private final long stalenessNanos;
    private final double queueLimit;
    private final double kvLimit;

    public UtilizationDetector(String name, Params params) {
        this.typedName = new TypedName(TYPE, name);
        this.queueDepthThreshold = params.queueDepthThreshold();
        this.kvCacheUtilThreshold = params.kvCacheUtilThreshold();
        this.stalenessNanos = params.staleness().toNanos();
        this.queueLimit = queueDepthThreshold * (1.0 + params.headroom());
        this.kvLimit = Math.min(1.0, kvCacheUtilThreshold * (1.0 + params.headroom()));
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public double saturation(SchedulingContext context, List<Endpoint> candidates) {
        int n = candidates.size();
        if (n == 0) {
            return 1.0;
        }
        Instant now = context.now();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += endpointSaturation(candidates.get(i).metrics(), now);
        }
        return sum / n;
    }

    /** One endpoint's saturation at {@code now}: 1.0 when metrics are missing or stale. */
    public double endpointSaturation(EndpointMetrics m, Instant now) {
        if (!fresh(m, now)) {
            return 1.0;
        }
        double kv = m.kvCacheUsage();
        // A NaN usage is a broken scrape: count it as full rather than letting NaN poison the pool mean.
        double kvRatio = Double.isNaN(kv) ? 1.0 : Math.max(0.0, kv) / kvCacheUtilThreshold;
        double queueRatio = Math.max(0, m.waitingQueueSize()) / queueDepthThreshold;
        return Math.max(queueRatio, kvRatio);
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        Instant now = context.now();
        int n = endpoints.size();
        int keep = 0;
        for (int i = 0; i < n; i++) {
            if (admits(endpoints.get(i).metrics(), now)) {
                keep++;
            }
        }
        if (keep == n || keep == 0) {
            return endpoints; // all pass, or fail open
        }
        List<Endpoint> kept = new ArrayList<>(keep);
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get(i);
            if (admits(e.metrics(), now)) {
                kept.add(e);
            }
        }
        return kept;
    }

    private boolean admits(EndpointMetrics m, Instant now) {
        // NaN kv fails the comparison, dropping the endpoint like stale metrics.
        return fresh(m, now) && m.waitingQueueSize() <= queueLimit && m.kvCacheUsage() <= kvLimit;
    }

    private boolean fresh(EndpointMetrics m, Instant now) {
        if (!m.scraped()) {
            return false;
        }
        Instant updated = m.updateTime();
        // Seconds first: Duration.between(...).toNanos() would overflow for an ancient timestamp.
        long ageSeconds = now.getEpochSecond() - updated.getEpochSecond();
        if (ageSeconds > stalenessNanos / 1_000_000_000L + 1) {
            return false;
        }
        long ageNanos = ageSeconds * 1_000_000_000L + (now.getNano() - updated.getNano());
        return ageNanos <= stalenessNanos;
    }
}
