package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a task on an executor after one or more requests, once per burst: informers deliver the pods of a first list
 * one event at a time, and recomputing a pool per event would cost the square of its size. A request made while the
 * task runs queues one more run, so the last change is never missed.
 */
final class Coalescer {

    private final Executor executor;
    private final Runnable task;
    private final AtomicBoolean queued = new AtomicBoolean();

    Coalescer(Executor executor, Runnable task) {
        this.executor = executor;
        this.task = task;
    }

    void request() {
        if (queued.compareAndSet(false, true)) {
            executor.execute(() -> {
                queued.set(false);
                task.run();
            });
        }
    }
}
