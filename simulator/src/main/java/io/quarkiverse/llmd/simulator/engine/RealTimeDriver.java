package io.quarkiverse.llmd.simulator.engine;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs an {@link EngineCore} against the wall clock on a thread of its own: each step's modelled duration is slept
 * (divided by {@code timeScale}) before its tokens are handed out, so a client sees tokens when the step "ends".
 * Other threads talk to it only through lock-free queues; results go to each request's {@link RequestObserver}
 * (its attachment) and to a {@link StepListener}.
 */
public final class RealTimeDriver implements AutoCloseable {

    /** Sees every non-idle step on the driver thread (metrics, KV events). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(StepResult result, double simTime);
    }

    private static final long IDLE_PARK_NANOS = 50_000_000L;

    private final EngineCore engine;
    private final double timeScale;
    private final StepListener listener;
    private final ConcurrentLinkedQueue<SimRequest> submissions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SimRequest> aborts = new ConcurrentLinkedQueue<>();
    private final DelayQueue<DelayedSubmit> delayed = new DelayQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean closed;
    private volatile int waiting;
    private volatile int running;
    private volatile double kvUsage;

    public RealTimeDriver(EngineCore engine, double timeScale, StepListener listener, String threadName) {
        this.engine = engine;
        this.timeScale = timeScale;
        this.listener = listener;
        this.thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Simulated seconds since the driver started (wall-clock seconds times the time scale). */
    public double simNow() {
        return (System.nanoTime() - startNanos) * timeScale / 1e9;
    }

    /**
     * Queues a request unless it would have to wait and the waiting queue already holds {@code maxWaiting}.
     *
     * @param delaySimSeconds simulated seconds before the engine sees it (the P/D KV transfer), or 0
     * @return false when the queue is full (the caller answers 429)
     */
    public boolean trySubmit(SimRequest r, int maxWaiting, double delaySimSeconds) {
        int queued = waiting + pending.get();
        // refuse only a request that would have to wait: with a free slot even a zero-length queue admits it
        if (queued >= maxWaiting && running + queued >= engine.config().maxNumSeqs()) {
            return false;
        }
        pending.incrementAndGet();
        if (delaySimSeconds > 0) {
            delayed.add(new DelayedSubmit(r, System.nanoTime() + (long) (delaySimSeconds / timeScale * 1e9)));
        } else {
            submissions.add(r);
        }
        LockSupport.unpark(thread);
        return true;
    }

    /** Asks the engine to drop a request (the client went away). */
    public void abort(SimRequest r) {
        aborts.add(r);
        LockSupport.unpark(thread);
    }

    /** Waiting requests, including those not yet seen by the engine. */
    public int numWaiting() {
        return waiting + pending.get();
    }

    public int numRunning() {
        return running;
    }

    public double kvCacheUsage() {
        return kvUsage;
    }

    public EngineCore engine() {
        return engine;
    }

    private void loop() {
        while (!closed) {
            try {
                drainInputs();
                if (!engine.hasWork()) {
                    publishGauges();
                    DelayedSubmit next = delayed.peek();
                    long park = next == null ? IDLE_PARK_NANOS
                            : Math.min(IDLE_PARK_NANOS, next.getDelay(TimeUnit.NANOSECONDS));
                    if (park > 0 && submissions.isEmpty() && aborts.isEmpty()) {
                        LockSupport.parkNanos(this, park);
                    }
                    continue;
                }
                long t0 = System.nanoTime();
                StepResult res = engine.step();
                publishGauges();
                sleepUntil(t0 + (long) (res.durationSeconds() / timeScale * 1e9));
                deliver(res);
            } catch (RuntimeException | Error e) {
                // a bug must not silently kill the pod's engine; report it and keep serving
                System.err.println("llmd-sim engine step failed: " + e);
                e.printStackTrace();
            }
        }
    }

    private void drainInputs() {
        SimRequest r;
        while ((r = submissions.poll()) != null) {
            engine.submit(r);
            pending.decrementAndGet();
        }
        DelayedSubmit d;
        while ((d = delayed.poll()) != null) {
            engine.submit(d.request);
            pending.decrementAndGet();
        }
        // after submissions, so that a request aborted right after it was queued is found
        while ((r = aborts.poll()) != null) {
            // the client is gone; the observer still hears of it so that metrics count the abort
            if (engine.abort(r) && r.attachment() instanceof RequestObserver o) {
                o.onFinished(r, "abort", r.numOutput(), simNow());
            }
        }
    }

    private void publishGauges() {
        waiting = engine.numWaiting();
        running = engine.numRunning();
        kvUsage = engine.kvCacheUsage();
    }

    private void sleepUntil(long deadline) {
        long left;
        while (!closed && (left = deadline - System.nanoTime()) > 20_000) {
            LockSupport.parkNanos(this, left);
        }
    }

    private void deliver(StepResult res) {
        if (res.idle()) {
            return;
        }
        double now = simNow();
        listener.onStep(res, now);
        for (SimRequest r : res.progressed()) {
            if (r.attachment() instanceof RequestObserver o) {
                o.onTokens(r, r.numOutput(), now);
            }
        }
        for (SimRequest r : res.finished()) {
            if (r.attachment() instanceof RequestObserver o) {
                o.onFinished(r, r.endReason(), r.numOutput(), now);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class DelayedSubmit implements Delayed {
        final SimRequest request;
        final long dueNanos;

        DelayedSubmit(SimRequest request, long dueNanos) {
            this.request = request;
            this.dueNanos = dueNanos;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((DelayedSubmit) o).dueNanos);
        }
    }
}
