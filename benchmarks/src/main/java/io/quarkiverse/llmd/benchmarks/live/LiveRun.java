package io.quarkiverse.llmd.benchmarks.live;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import io.quarkiverse.llmd.benchmarks.sim.RequestLog;
import io.quarkiverse.llmd.benchmarks.workload.PromptCorpus;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * One open-loop live run: a dispatcher thread sends each planned arrival at its wall-clock time without waiting for
 * earlier answers (only the workload's {@code num_workers × worker_max_concurrency}, when set, holds arrivals back,
 * in order, as inference-perf's client does), then waits for the answers up to the drain timeout; requests still
 * open then are counted as timed out. Requests and their bodies are those {@link PromptCorpus} generates for the
 * seed, as in {@code llmd-bench sim}; streaming bodies get {@code stream_options.include_usage}.
 */
final class LiveRun {

    private static final byte[] USAGE = ",\"stream_options\":{\"include_usage\":true}}"
            .getBytes(StandardCharsets.UTF_8);

    private record Held(int index, byte[] body) {
    }

    private final WorkloadSpec workload;
    private final Arrivals arrivals;
    private final LiveLog log;
    private final PromptCorpus corpus;
    private final int[] plannedOutput;
    private final int maxConcurrency;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private final String path;
    private Driver driver;
    private long t0;
    private double sendEnd;
    private long maxLagNanos;

    LiveRun(WorkloadSpec workload, double durationScale, long seed) {
        this.workload = workload;
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom dataRandom = root.split();
        SplittableRandom arrivalRandom = root.split();
        this.corpus = new PromptCorpus(workload, dataRandom);
        this.arrivals = Arrivals.plan(workload.load(), durationScale, arrivalRandom);
        this.log = new LiveLog(arrivals.times(), arrivals.stage());
        this.plannedOutput = new int[arrivals.size()];
        this.maxConcurrency = workload.load().maxConcurrency();
        this.path = corpus.path();
    }

    LiveLog log() {
        return log;
    }

    Arrivals arrivals() {
        return arrivals;
    }

    String runId() {
        return runId;
    }

    int plannedOutput(int i) {
        return plannedOutput[i];
    }

    /** Seconds since the run started. */
    double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Failure reasons (HTTP status and message, exception, timeout) with their counts. */
    Map<String, Long> errors() {
        Map<String, Long> m = new TreeMap<>();
        errors.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** How late the dispatcher sent the latest request, at worst (seconds): a client that cannot keep up shows here. */
    double maxSendLag() {
        return maxLagNanos / 1e9;
    }

    /** When the last request was sent (seconds). */
    double sendEnd() {
        return sendEnd;
    }

    /**
     * Runs the whole schedule, then waits until every request has ended or {@code drainSeconds} have passed since
     * the last send.
     */
    void run(Function<LiveRun, Driver> driverFactory, boolean streaming, double drainSeconds) {
        driver = driverFactory.apply(this);
        PromptCorpus.Draft draft = new PromptCorpus.Draft();
        double[] times = arrivals.times();
        int n = times.length;
        outstanding.set(n);
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (times[i] * 1e9);
            long wait = due - System.nanoTime();
            while (wait > 0) {
                LockSupport.parkNanos(wait);
                wait = due - System.nanoTime();
            }
            maxLagNanos = Math.max(maxLagNanos, -wait);
            corpus.next(i, draft);
            log.group[i] = draft.group;
            log.promptTokens[i] = draft.promptTokens.length;
            plannedOutput[i] = draft.outputTokens.length;
            byte[] body = streaming ? withUsage(draft.body) : draft.body;
            if (maxConcurrency > 0 && (inFlight.get() >= maxConcurrency || !held.isEmpty())) {
                held.add(new Held(i, body));
                release();
                continue;
            }
            inFlight.incrementAndGet();
            dispatch(i, body);
        }
        sendEnd = now();
        long deadline = System.nanoTime() + (long) (drainSeconds * 1e9);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
        double end = now();
        String drained = String.format(java.util.Locale.ROOT,
                "timeout: no answer within the drain timeout (%.0f s after the last send)", drainSeconds);
        for (int i = 0; i < n; i++) {
            if (!log.isSettled(i) && log.end(i, RequestLog.TIMEOUT, end)) {
                outstanding.decrementAndGet();
                count(drained);
            }
        }
        driver.close();
    }

    private void dispatch(int i, byte[] body) {
        log.sent[i] = now();
        try {
            driver.send(i, body, path);
        } catch (RuntimeException e) {
            failed(i, e);
        }
    }

    /** Sends held-back requests while the concurrency limit allows. */
    private void release() {
        while (true) {
            int cur = inFlight.get();
            if (cur >= maxConcurrency) {
                return;
            }
            if (!inFlight.compareAndSet(cur, cur + 1)) {
                continue;
            }
            Held h = held.poll();
            if (h == null) {
                inFlight.decrementAndGet();
                if (held.isEmpty()) {
                    return;
                }
                continue;
            }
            dispatch(h.index(), h.body());
        }
    }

    /** The request has ended with {@code status} (first call wins). */
    void ended(int i, byte status) {
        settle(i, status);
    }

    /** Settles request {@code i} (first call wins) and lets held-back requests go; false if it was settled. */
    private boolean settle(int i, byte status) {
        if (!log.end(i, status, now())) {
            return false;
        }
        outstanding.decrementAndGet();
        inFlight.decrementAndGet();
        if (maxConcurrency > 0 && !held.isEmpty()) {
            release();
        }
        return true;
    }

    void failed(int i, Throwable t) {
        failed(i, t.getClass().getSimpleName() + (t.getMessage() == null ? ""
                : ": " + t.getMessage().lines().findFirst().orElse("")));
    }

    /** The request failed for {@code reason} (an HTTP status and message, an exception): counted by reason. */
    void failed(int i, String reason) {
        end(i, RequestLog.ERROR, reason);
    }

    /** The request ended with {@code status} for {@code reason}, which the summary's {@code errors} counts. */
    void end(int i, byte status, String reason) {
        // a request already settled (the reset of one that timed out, say) is not counted twice
        if (settle(i, status)) {
            count(reason);
        }
    }

    private void count(String reason) {
        String kind = reason.length() > 160 ? reason.substring(0, 160) : reason;
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The body with {@code "stream_options":{"include_usage":true}} before its closing brace. */
    static byte[] withUsage(byte[] body) {
        int end = body.length - 1;
        while (end > 0 && body[end] != '}') {
            end--;
        }
        byte[] out = new byte[end + USAGE.length];
        System.arraycopy(body, 0, out, 0, end);
        System.arraycopy(USAGE, 0, out, end, USAGE.length);
        return out;
    }

    WorkloadSpec workload() {
        return workload;
    }
}
