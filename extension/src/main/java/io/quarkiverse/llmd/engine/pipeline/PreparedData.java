package io.quarkiverse.llmd.engine.pipeline;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * What the pool's {@link AsyncDataProducer}s obtained for one request, put into each of its scheduling contexts (the
 * first attempt and every retry) before the producers run. Immutable once handed over.
 */
final class PreparedData {

    private static final System.Logger LOG = System.getLogger(PreparedData.class.getName());

    /** Nothing prepared: the pool has no asynchronous producer. */
    static final PreparedData NONE = new PreparedData(new DataKey<?>[0], new Object[0]);

    private final DataKey<?>[] keys;
    private final Object[] values;

    private PreparedData(DataKey<?>[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    /** Puts every value obtained into {@code context}; a producer that failed left its key empty. */
    void applyTo(SchedulingContext context) {
        for (int i = 0; i < keys.length; i++) {
            if (values[i] != null) {
                put(context, keys[i], values[i]);
            }
        }
    }

    /** The value prepared under {@code key}, or null. */
    <T> T get(DataKey<T> key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == key) {
                return key.type().cast(values[i]);
            }
        }
        return null;
    }

    private static <T> void put(SchedulingContext context, DataKey<T> key, Object value) {
        context.put(key, key.type().cast(value));
    }

    /**
     * Starts every producer's preparation and calls {@code then} exactly once, when the last stage has completed:
     * at once, on this thread, when every stage was already complete on return (the synchronous drivers rely on
     * that), otherwise on the thread that completed the last one. A producer that throws, fails its stage or
     * delivers a value of the wrong type counts as having delivered nothing.
     */
    static void start(List<AsyncDataProducer<?>> producers, InferenceRequest request, byte[] body,
            Consumer<PreparedData> then) {
        int n = producers.size();
        DataKey<?>[] keys = new DataKey<?>[n];
        Object[] values = new Object[n];
        // Each stage writes its own slot before counting down; the count's atomic decrement orders those writes
        // before the read by whichever stage finishes last.
        AtomicInteger remaining = new AtomicInteger(n);
        PreparedData data = new PreparedData(keys, values);
        for (int i = 0; i < n; i++) {
            AsyncDataProducer<?> producer = producers.get(i);
            keys[i] = producer.preparedKey();
            int slot = i;
            CompletionStage<?> stage;
            try {
                stage = producer.prepare(request, body);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "producer " + producer.typedName() + " failed to start", e);
                stage = null;
            }
            if (stage == null) {
                if (remaining.decrementAndGet() == 0) {
                    then.accept(data);
                }
                continue;
            }
            stage.whenComplete((value, failure) -> {
                if (failure != null) {
                    LOG.log(System.Logger.Level.WARNING, "producer " + producer.typedName()
                            + " failed; scheduling without its data", failure);
                } else if (value != null && keys[slot].type().isInstance(value)) {
                    values[slot] = value;
                }
                if (remaining.decrementAndGet() == 0) {
                    then.accept(data);
                }
            });
        }
    }
}
