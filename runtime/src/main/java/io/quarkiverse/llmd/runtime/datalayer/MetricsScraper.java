package io.quarkiverse.llmd.runtime.datalayer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.datalayer.metrics.MetricsExtraction;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointHealth;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Polls every endpoint's Prometheus page ({@code GET http://<host>:<metricsPort><metrics-path>}) every
 * {@code quarkus.llmd.data-layer.refresh-interval} (50 ms, as llm-d's {@code --refresh-metrics-interval}), maps it
 * with the pool's metric mapping (engine chosen by the pod label {@code llm-d.ai/engine-type}) and publishes what each
 * slot of the round (below) brings in one {@link EndpointRegistry#updateMetrics(Map)} swap.
 * <p>
 * One Vert.x periodic timer drives rounds on one event-loop context, so the state below is confined to it. A round
 * is cut into up to {@value #MAX_SLOTS} slots of at least {@value #MIN_SLOT_MILLIS} ms (see {@link #slotsFor(long)})
 * and the pool's endpoints are dealt over them, so each endpoint is still scraped once per interval but the scrapes'
 * work (answers read, pages parsed) comes in small portions spread over the interval: scraped all at once, a pool's
 * answers were read and parsed in one burst every interval, and the ext_proc decisions that arrived meanwhile waited
 * for it (at 64 pods, the decisions slower than a millisecond came in a 50 ms rhythm). llm-d's EPP polls each
 * endpoint on its own ticker, which spreads them too. A slot starts a
 * scrape of each of its endpoints whose previous scrape has finished (a hung pod holds at most one request, which
 * the scrape timeout ends), and publishes when the last scrape in flight answers, or at the next slot for
 * stragglers. A failed scrape (connection error, timeout, non-200) is counted in
 * {@code llm_d_inference_scheduler_datalayer_poll_errors_total} and leaves the endpoint's metrics as they were, so
 * they go stale and the utilization detector treats the pod as saturated; every scrape is reported to the pool's
 * {@link EndpointHealth}, which makes an endpoint without a successful scrape for
 * {@code quarkus.llmd.outlier-detection.stale-after-intervals} unschedulable. The set of endpoints is re-read each
 * round, so pods added or removed at runtime are picked up. Every pool is scraped, each published into its own
 * registry. (Endpoints that leave a pool are purged from its plugins' state by the pool itself.) The set of pools is
 * re-read each tick too: a pool added at runtime is scraped from the next tick with its own settings, a replaced
 * pool starts afresh, and a removed pool's round is dropped (its in-flight scrapes finish into a registry nobody
 * reads any more).
 */
@Singleton
public class MetricsScraper {

    private static final Logger LOG = Logger.getLogger(MetricsScraper.class);

    /** The most slots a round is cut into: enough to spread a pool's work, few enough snapshot swaps per round. */
    static final int MAX_SLOTS = 10;

    /** The shortest slot: Vert.x timers count milliseconds, and shorter slots would spread nothing more. */
    static final long MIN_SLOT_MILLIS = 5;

    private final Vertx vertx;
    private final PoolDirectory pools;
    private final PoolScrapeSettings scrape;
    private final LlmdConfig config;
    private final AtomicLong pollErrors = new AtomicLong();
    private final AtomicLong scrapes = new AtomicLong();
    private final AtomicLong rounds = new AtomicLong();
    private final Counter pollErrorCounter;

    /** What one pool's scrapes have in flight; confined to the timer's context. */
    private static final class PoolRound {
        final EndpointRegistry registry;
        final EndpointHealth health;
        final PoolScrapeSettings.Settings settings;
        long ticks;
        final Set<String> inFlight = new HashSet<>();
        final Map<String, EndpointMetrics> pending = new HashMap<>();
        Set<String> known = Set.of();
        int outstanding;

        PoolRound(EndpointRegistry registry, EndpointHealth health, PoolScrapeSettings.Settings settings) {
            this.registry = registry;
            this.health = health;
            this.settings = settings;
        }
    }

    /** The rounds of the pools in force, by pool; confined to the timer's context. */
    private final Map<Pool, PoolRound> poolRounds = new java.util.IdentityHashMap<>();
    private Pools roundsOf;
    private HttpClient client;
    private long timerId = -1;
    /** Slot ticks since start; confined to the timer's context. */
    private long slotTicks;
    private volatile boolean stopped;

    @Inject
    public MetricsScraper(Vertx vertx, PoolDirectory pools, LlmdConfig config, Instance<MeterRegistry> meters,
            PoolScrapeSettings scrape) {
        this.vertx = vertx;
        this.pools = pools;
        this.scrape = scrape;
        this.config = config;
        this.pollErrorCounter = meters.isResolvable()
                ? Counter.builder("llm_d_inference_scheduler_datalayer_poll_errors")
                        .description("Failed polls of model-server metrics").register(meters.get())
                : null;
    }

    void onStart(@Observes StartupEvent event) {
        LlmdConfig.DataLayerConfig dl = config.dataLayer();
        if (!dl.scrapeEnabled()) {
            LOG.debug("metrics scraping is off (quarkus.llmd.data-layer.scrape=false)");
            return;
        }
        long interval = Math.max(1, dl.refreshInterval().toMillis());
        int timeout = (int) Math.max(1, dl.scrapeTimeout().toMillis());
        int slots = slotsFor(interval);
        Context context = vertx.getOrCreateContext();
        context.runOnContext(v -> {
            client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                    .setConnectTimeout(timeout).setTryUseCompression(false).setName("llmd-metrics-scraper"),
                    new PoolOptions().setHttp1MaxSize(2).setMaxWaitQueueSize(16));
            timerId = vertx.setPeriodic(0, interval / slots, id -> tick(slots, timeout));
        });
        LOG.infof("scraping model-server metrics every %d ms in %d slot(s) (timeout %d ms, path %s)", interval, slots,
                timeout, dl.metricsPath());
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        HttpClient c = client;
        if (c != null) {
            try {
                c.close().toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                // shutting down
            }
        }
    }

    /** Failed polls since start. */
    public long pollErrors() {
        return pollErrors.get();
    }

    /** Successful scrapes since start. */
    public long scrapes() {
        return scrapes.get();
    }

    /** Rounds started since start. */
    public long rounds() {
        return rounds.get();
    }

    /**
     * How many slots a round of {@code intervalMillis} is cut into: the most, up to {@link #MAX_SLOTS}, that divide
     * it exactly into slots of at least {@link #MIN_SLOT_MILLIS} ms (50 ms: 10 slots of 5 ms; 20 ms: 4; 7 ms: 1), so
     * that the slots' timer keeps the configured interval to the millisecond.
     */
    static int slotsFor(long intervalMillis) {
        for (int slots = MAX_SLOTS; slots > 1; slots--) {
            if (intervalMillis % slots == 0 && intervalMillis / slots >= MIN_SLOT_MILLIS) {
                return slots;
            }
        }
        return 1;
    }

    private void tick(int slots, int timeoutMillis) {
        if (stopped) {
            return;
        }
        if (slotTicks++ % slots == 0) {
            rounds.incrementAndGet();
        }
        followPools();
        for (PoolRound r : poolRounds.values()) {
            if (r == null) {
                continue;
            }
            // a pool scraped every N intervals has slots N base slots long
            long phase = r.ticks++ % ((long) r.settings.everyTicks() * slots);
            if (phase % r.settings.everyTicks() == 0) {
                slot(r, (int) (phase / r.settings.everyTicks()), slots, timeoutMillis);
            }
        }
    }

    /** Brings the rounds in step with the pools in force: one identity check per tick while nothing changes. */
    private void followPools() {
        Pools now = pools.current();
        if (now == roundsOf) {
            return;
        }
        Map<Pool, PoolRound> next = new java.util.IdentityHashMap<>();
        for (Pool p : now.all()) {
            PoolRound r = poolRounds.get(p);
            if (r == null && !poolRounds.containsKey(p)) {
                PoolScrapeSettings.Settings settings = scrape.of(p.name(), config.dataLayer().metricsPath());
                if (settings.enabled()) {
                    r = new PoolRound(p.registry(), p.pipeline().health(), settings);
                    // without a successful scrape for that long, the pod's last metrics would make a dead pod
                    // look idle
                    long interval = Math.max(1, config.dataLayer().refreshInterval().toMillis());
                    int staleAfter = Math.max(0, config.outlierDetection().staleAfterIntervals());
                    r.health.useStaleAfter(Duration.ofMillis(interval * r.settings.everyTicks() * staleAfter));
                } else {
                    LOG.infof("pool %s declares no data source: its endpoints are not scraped", p.name());
                }
            }
            next.put(p, r);
        }
        poolRounds.clear();
        poolRounds.putAll(next);
        roundsOf = now;
    }

    /** Slot {@code slot} of {@code slots} of a pool's round: scrapes every {@code slots}-th endpoint from it. */
    private void slot(PoolRound r, int slot, int slots, int timeoutMillis) {
        flush(r);
        List<Endpoint> endpoints = r.registry.endpoints();
        if (slot == 0) {
            Set<String> names = new HashSet<>(endpoints.size() * 2);
            for (Endpoint e : endpoints) {
                names.add(e.name());
            }
            if (!names.equals(r.known)) {
                r.inFlight.retainAll(names);
                r.pending.keySet().retainAll(names);
                r.known = names;
            }
        }
        for (int i = slot; i < endpoints.size(); i += slots) {
            Endpoint e = endpoints.get(i);
            if (r.inFlight.add(e.name())) {
                r.outstanding++;
                scrape(r, e, timeoutMillis);
            }
        }
    }

    private void scrape(PoolRound r, Endpoint e, int timeoutMillis) {
        String host = e.parsedAddress().host();
        int port = metricsPort(e, r.settings.port());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
                .setURI(r.settings.path()).setConnectTimeout(timeoutMillis)
                .setIdleTimeout(timeoutMillis).putHeader("accept", "text/plain");
        HttpClientRequest[] sent = new HttpClientRequest[1];
        // the idle timeout ends a silent pod; this deadline also ends one that trickles bytes forever
        long deadline = vertx.setTimer(timeoutMillis, t -> {
            if (sent[0] != null) {
                sent[0].reset(0, new TimeoutException("scrape took longer than " + timeoutMillis + " ms"));
            }
        });
        io.vertx.core.Future<HttpClientRequest> request;
        try {
            request = client.request(options);
        } catch (IllegalStateException closed) {
            // Vert.x closed the client while the application shuts down, before our ShutdownEvent observer ran
            vertx.cancelTimer(deadline);
            r.inFlight.remove(e.name());
            stopped = true;
            return;
        }
        request
                .compose(req -> {
                    sent[0] = req;
                    return req.send();
                })
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        resp.request().reset();
                        return io.vertx.core.Future.failedFuture("status " + resp.statusCode());
                    }
                    return resp.body();
                })
                .onComplete(ar -> {
                    vertx.cancelTimer(deadline);
                    r.inFlight.remove(e.name());
                    if (ar.succeeded()) {
                        Endpoint current = r.registry.snapshot().byName().get(e.name());
                        if (current != null) {
                            EndpointMetrics previous = r.pending.getOrDefault(e.name(), current.metrics());
                            MetricsExtraction x = r.settings.extractor().extract(ar.result().getBytes(),
                                    current.labels(), previous,
                                    Instant.now());
                            if (x.updated()) {
                                r.pending.put(e.name(), x.metrics());
                                scrapes.incrementAndGet();
                                r.health.scrapeSucceeded(e.name(), System.nanoTime());
                            } else {
                                failed(r, e, "no usable metric: " + x.problems());
                            }
                        }
                    } else {
                        failed(r, e, ar.cause().toString());
                    }
                    if (--r.outstanding <= 0) {
                        r.outstanding = 0;
                        flush(r);
                    }
                });
    }

    private void failed(PoolRound r, Endpoint e, String why) {
        r.health.scrapeFailed(e.name(), System.nanoTime());
        pollErrors.incrementAndGet();
        if (pollErrorCounter != null) {
            pollErrorCounter.increment();
        }
        LOG.debugf("metrics scrape of %s (%s) failed: %s", e.name(), e.address(), why);
    }

    private static void flush(PoolRound r) {
        if (!r.pending.isEmpty()) {
            r.registry.updateMetrics(Map.copyOf(r.pending));
            r.pending.clear();
        }
    }

    /**
     * The configured metrics port of a static endpoint (in any pool), else the data source's port, else the port it
     * serves the API on.
     */
    private int metricsPort(Endpoint e, Integer sourcePort) {
        LlmdConfig.EndpointConfig configured = config.endpoints().get(e.name());
        for (var pool : config.pools().values()) {
            if (configured == null) {
                configured = pool.endpoints().get(e.name());
            }
        }
        if (configured != null && configured.metricsPort().isPresent()) {
            return configured.metricsPort().get();
        }
        if (sourcePort != null) {
            return sourcePort;
        }
        return e.parsedAddress().hasPort() ? e.parsedAddress().port() : 80;
    }
}
