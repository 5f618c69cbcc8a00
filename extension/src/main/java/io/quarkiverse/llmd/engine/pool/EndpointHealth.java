package io.quarkiverse.llmd.engine.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * Which endpoints of one pool may be scheduled, as Envoy's outlier detection decides it, plus staleness of scraped
 * metrics:
 * <ul>
 * <li><b>Ejection.</b> {@link Settings#consecutiveFailures} failures in a row (connect errors, resets, timeouts, 5xx;
 * a success in between starts the count again) eject an endpoint for {@code baseEjectionTime × n}, n being how often
 * it was ejected, capped at {@code maxEjectionTime}. While ejected it gets no new request; when the time is up it is
 * back. Each {@code baseEjectionTime} spent back in the pool without a new ejection takes one off n again, so a pod
 * that recovered is not punished for long for its past. At most {@code maxEjectionPercent} of the pool is ejected at
 * once, rounded down but at least one, and never the last schedulable endpoint: outlier detection alone never empties
 * a pool (a pod that is the only one left keeps its traffic, and its clients see its errors).</li>
 * <li><b>Staleness.</b> Once the metrics scraper reports on an endpoint, an endpoint without a successful scrape for
 * {@link #useStaleAfter stale-after} is unschedulable (its last metrics would make a dead pod look idle) until a scrape
 * succeeds again. This is not capped: a pool whose pods all stop answering their metrics has nothing schedulable.</li>
 * </ul>
 * Plain Java for the engine: time is passed in by the caller ({@code System.nanoTime}-style monotonic nanoseconds, or
 * virtual time); nothing here reads a clock or starts a timer. Ejections that end are noticed by {@link #sweep}, which
 * the runtime calls periodically; scheduling never waits for it ({@link #schedulable} compares the expiry itself).
 * State is kept only for the pool's endpoints: {@link #sweep} drops every other name, so no peer can grow it.
 * <p>
 * Thread-safety: reads ({@link #schedulable}) are lock-free; writers are serialised. Transition listeners run on the
 * writer's thread, outside the lock.
 */
public final class EndpointHealth {

    /** How an endpoint stands. */
    public enum State {
        /** Takes requests. */
        HEALTHY,
        /** Ejected by outlier detection until its ejection time is up. */
        EJECTED,
        /** No successful metrics scrape for too long. */
        UNSCHEDULABLE
    }

    /** Failures that count against an endpoint (Envoy counts locally originated errors with 5xx by default). */
    public enum Failure {
        /** The connection could not be opened (refused, unreachable, connect timeout). */
        CONNECT,
        /** No response head within the time-to-first-byte bound. */
        TIMEOUT,
        /** The connection was reset or closed before the response head. */
        RESET,
        /** A 5xx response head. */
        SERVER_ERROR
    }

    /**
     * Outlier detection settings.
     *
     * @param consecutiveFailures failures in a row that eject an endpoint; 0 switches ejection off
     * @param baseEjectionTime ejection time of a first ejection; the n-th lasts n times as long
     * @param maxEjectionTime longest ejection
     * @param maxEjectionPercent share of the pool that may be ejected at once (at least one endpoint, never all)
     */
    public record Settings(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
            int maxEjectionPercent) {

        /** Ejection off. */
        public static final Settings OFF = new Settings(0, Duration.ofSeconds(30), Duration.ofSeconds(300), 50);

        public Settings {
            if (consecutiveFailures < 0) {
                throw new IllegalArgumentException("consecutive failures must be 0 (off) or more, not "
                        + consecutiveFailures);
            }
            if (baseEjectionTime == null || baseEjectionTime.isNegative() || baseEjectionTime.isZero()) {
                throw new IllegalArgumentException("base ejection time must be positive, not " + baseEjectionTime);
            }
            if (maxEjectionTime == null || maxEjectionTime.compareTo(baseEjectionTime) < 0) {
                throw new IllegalArgumentException("max ejection time (" + maxEjectionTime
                        + ") must be at least the base ejection time (" + baseEjectionTime + ")");
            }
            if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
                throw new IllegalArgumentException("max ejection percent must be within 0..100, not "
                        + maxEjectionPercent);
            }
        }

        boolean enabled() {
            return consecutiveFailures > 0 && maxEjectionPercent > 0;
        }
    }

    /**
     * A change of an endpoint's state, told once per change.
     *
     * @param endpoint the endpoint's name
     * @param from the state before
     * @param to the state now
     * @param reason why, in words (for the log)
     */
    public record Transition(String endpoint, State from, State to, String reason) {
    }

    /** Per endpoint; fields written under the health's lock, the two read by scheduling volatile. */
    private static final class Tracked {
        int consecutive;
        int ejections;
        /** When ejection ends; 0 when not ejected. */
        volatile long ejectedUntil;
        /** Last successful scrape (or first report); meaningful only when {@link #scraped}. */
        volatile long lastScrapeOk;
        volatile boolean scraped;
        /** When the last ejection ended, for the decay of {@link #ejections}. */
        long backSince;
        State reported = State.HEALTHY;
    }

    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final List<Consumer<Transition>> listeners = new CopyOnWriteArrayList<>();
    private volatile Settings settings = Settings.OFF;
    private volatile long staleAfterNanos;
    private volatile int ejected;
    private volatile int unschedulable;

    /** Switches outlier detection on (or off with {@link Settings#OFF}). */
    public void useSettings(Settings settings) {
        this.settings = settings == null ? Settings.OFF : settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * How long an endpoint the scraper reports on may go without a successful scrape before it is unschedulable;
     * zero or negative switches staleness off (a pool that is not scraped).
     */
    public void useStaleAfter(Duration staleAfter) {
        this.staleAfterNanos = staleAfter == null || staleAfter.isNegative() ? 0 : staleAfter.toNanos();
    }

    /** Called with every state change, outside the lock, on the reporting thread. */
    public Runnable onTransition(Consumer<Transition> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * The endpoints that may be scheduled now: {@code endpoints} itself (no copy) when none is ejected or stale.
     * Lock-free; called for every request.
     */
    public List<Endpoint> schedulable(List<Endpoint> endpoints, long now) {
        if (tracked.isEmpty()) {
            return endpoints;
        }
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            if (!usable(endpoints.get(i).name(), now)) {
                List<Endpoint> kept = new ArrayList<>(n - 1);
                for (int j = 0; j < i; j++) {
                    kept.add(endpoints.get(j));
                }
                for (int j = i + 1; j < n; j++) {
                    Endpoint e = endpoints.get(j);
                    if (usable(e.name(), now)) {
                        kept.add(e);
                    }
                }
                return kept;
            }
        }
        return endpoints;
    }

    /** The state of an endpoint now. */
    public State state(String endpoint, long now) {
        Tracked t = tracked.get(endpoint);
        return t == null ? State.HEALTHY : stateOf(t, now);
    }

    /** Endpoints ejected as of the last {@link #sweep} or report. */
    public int ejectedCount() {
        return ejected;
    }

    /** Endpoints unschedulable for stale metrics as of the last {@link #sweep}. */
    public int unschedulableCount() {
        return unschedulable;
    }

    /** A response head below 500 (or a completed exchange): the endpoint's failure count starts again. */
    public void success(String endpoint, long now) {
        Tracked t = tracked.get(endpoint);
        if (t != null && t.consecutive != 0) {
            synchronized (this) {
                t.consecutive = 0;
            }
        }
    }

    /**
     * A failure of an exchange with {@code endpoint}; may eject it.
     *
     * @param pool the pool's endpoints now (for the ejection cap)
     */
    public void failure(String endpoint, Failure kind, List<Endpoint> pool, long now) {
        Settings s = settings;
        if (!s.enabled()) {
            return;
        }
        Transition transition = null;
        synchronized (this) {
            Tracked t = tracked.computeIfAbsent(endpoint, k -> new Tracked());
            if (stateOf(t, now) == State.EJECTED) {
                return; // requests sent before the ejection still fail; they do not extend it
            }
            t.consecutive++;
            if (t.consecutive >= s.consecutiveFailures() && mayEject(endpoint, pool, s, now)) {
                t.consecutive = 0;
                t.ejections++;
                long nanos = Math.min(s.baseEjectionTime().toNanos() * t.ejections, s.maxEjectionTime().toNanos());
                t.ejectedUntil = now + Math.max(1, nanos);
                transition = report(endpoint, t, now, s.consecutiveFailures() + " consecutive failures (last: "
                        + kind.name().toLowerCase(java.util.Locale.ROOT) + "); ejection #" + t.ejections + " for "
                        + Duration.ofNanos(nanos));
                countStates(now);
            }
        }
        tell(transition);
    }

    /** A successful metrics scrape of {@code endpoint}. */
    public void scrapeSucceeded(String endpoint, long now) {
        Tracked t = tracked.get(endpoint);
        if (t != null && t.scraped && t.reported != State.UNSCHEDULABLE) {
            t.lastScrapeOk = now; // the common case, lock-free: a single volatile write by the one scraper
            return;
        }
        Transition transition;
        synchronized (this) {
            t = tracked.computeIfAbsent(endpoint, k -> new Tracked());
            t.scraped = true;
            t.lastScrapeOk = now;
            transition = report(endpoint, t, now, "metrics scraped again");
            countStates(now);
        }
        tell(transition);
    }

    /** A failed metrics scrape: starts the staleness clock of an endpoint never scraped successfully. */
    public void scrapeFailed(String endpoint, long now) {
        Tracked t = tracked.get(endpoint);
        if (t != null && t.scraped) {
            return; // the clock runs from the last success
        }
        synchronized (this) {
            t = tracked.computeIfAbsent(endpoint, k -> new Tracked());
            if (!t.scraped) {
                t.scraped = true;
                t.lastScrapeOk = now;
            }
        }
    }

    /**
     * Notices ejections that ended and metrics that went stale (each told once), lets the ejection count of
     * endpoints that stayed healthy decay, and forgets endpoints no longer in {@code pool}.
     */
    public void sweep(List<Endpoint> pool, long now) {
        List<Transition> changes = new ArrayList<>();
        synchronized (this) {
            Set<String> names = new HashSet<>(pool.size() * 2);
            for (Endpoint e : pool) {
                names.add(e.name());
            }
            tracked.keySet().retainAll(names);
            long base = settings.baseEjectionTime().toNanos();
            for (Map.Entry<String, Tracked> e : tracked.entrySet()) {
                Tracked t = e.getValue();
                if (t.ejectedUntil != 0 && now - t.ejectedUntil >= 0) {
                    t.ejectedUntil = 0;
                    t.backSince = now;
                }
                if (t.ejectedUntil == 0 && t.ejections > 0 && now - t.backSince >= base) {
                    t.ejections--;
                    t.backSince = now;
                }
                Transition tr = report(e.getKey(), t, now, null);
                if (tr != null) {
                    changes.add(tr);
                }
            }
            countStates(now);
        }
        for (Transition tr : changes) {
            tell(tr);
        }
    }

    private boolean usable(String name, long now) {
        Tracked t = tracked.get(name);
        return t == null || stateOf(t, now) == State.HEALTHY;
    }

    private State stateOf(Tracked t, long now) {
        long until = t.ejectedUntil;
        if (until != 0 && now - until < 0) {
            return State.EJECTED;
        }
        long stale = staleAfterNanos;
        if (stale > 0 && t.scraped && now - t.lastScrapeOk > stale) {
            return State.UNSCHEDULABLE;
        }
        return State.HEALTHY;
    }

    /** Whether one more endpoint may be ejected: within the cap, and at least one other endpoint stays schedulable. */
    private boolean mayEject(String candidate, List<Endpoint> pool, Settings s, long now) {
        int size = pool.size();
        int alreadyEjected = 0;
        int othersUsable = 0;
        for (Endpoint e : pool) {
            Tracked t = tracked.get(e.name());
            State st = t == null ? State.HEALTHY : stateOf(t, now);
            if (st == State.EJECTED) {
                alreadyEjected++;
            } else if (st == State.HEALTHY && !e.name().equals(candidate)) {
                othersUsable++;
            }
        }
        int cap = Math.max(1, size * s.maxEjectionPercent() / 100);
        return othersUsable > 0 && alreadyEjected < cap;
    }

    /** The transition from the last reported state, if the state changed (under the lock); null reason: derived. */
    private Transition report(String endpoint, Tracked t, long now, String reason) {
        State st = stateOf(t, now);
        if (st == t.reported) {
            return null;
        }
        Transition tr = new Transition(endpoint, t.reported, st, reason != null ? reason
                : st == State.UNSCHEDULABLE ? "no successful metrics scrape for " + Duration.ofNanos(staleAfterNanos)
                : t.reported == State.EJECTED ? "ejection time is up" : "metrics scraped again");
        t.reported = st;
        return tr;
    }

    private void countStates(long now) {
        int e = 0;
        int u = 0;
        for (Tracked t : tracked.values()) {
            State st = stateOf(t, now);
            if (st == State.EJECTED) {
                e++;
            } else if (st == State.UNSCHEDULABLE) {
                u++;
            }
        }
        ejected = e;
        unschedulable = u;
    }

    private void tell(Transition transition) {
        if (transition == null) {
            return;
        }
        for (Consumer<Transition> l : listeners) {
            try {
                l.accept(transition);
            } catch (RuntimeException ex) {
                System.getLogger(EndpointHealth.class.getName()).log(System.Logger.Level.WARNING,
                        "endpoint health listener failed", ex);
            }
        }
    }
}
