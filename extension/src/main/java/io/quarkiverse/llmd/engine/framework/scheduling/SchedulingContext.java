package io.quarkiverse.llmd.engine.framework.scheduling;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * Everything one request's scheduling cycle shares: the parsed request, the time and random source of the caller
 * (the engine owns no clock, so the same code runs in real and in virtual time), typed per-request data written by
 * producers and read by scorers, and the headers that pre-request hooks add. One instance per request; not shared
 * between threads.
 */
public final class SchedulingContext {

    private final InferenceRequest request;
    private final Instant now;
    private final RandomGenerator random;
    private Object[] data;
    private Map<String, String> mutableHeaders;
    private double[] scratch;
    private DecisionTrace trace;

    public SchedulingContext(InferenceRequest request, Instant now, RandomGenerator random) {
        this.request = request;
        this.now = now;
        this.random = random;
    }

    public InferenceRequest request() {
        return request;
    }

    /** The time the cycle runs at, from the caller's clock. */
    public Instant now() {
        return now;
    }

    public RandomGenerator random() {
        return random;
    }

    /** The value a producer stored under {@code key}, or null. */
    public <T> T get(DataKey<T> key) {
        Object[] d = data;
        return d == null || key.id() >= d.length ? null : key.type().cast(d[key.id()]);
    }

    public <T> void put(DataKey<T> key, T value) {
        if (data == null || key.id() >= data.length) {
            Object[] grown = new Object[Math.max(DataKey.count(), key.id() + 1)];
            if (data != null) {
                System.arraycopy(data, 0, grown, 0, data.length);
            }
            data = grown;
        }
        data[key.id()] = value;
    }

    /**
     * Request headers added by pre-request hooks (for instance {@code x-prefiller-host-port}); the edge (ext_proc or
     * proxy) applies them when forwarding.
     */
    public Map<String, String> mutableHeaders() {
        if (mutableHeaders == null) {
            mutableHeaders = new LinkedHashMap<>(4);
        }
        return mutableHeaders;
    }

    /** Headers added so far, without creating the map. */
    public Map<String, String> addedHeaders() {
        return mutableHeaders == null ? Map.of() : mutableHeaders;
    }

    /** Observer of filter and scorer steps, or null (the default). */
    public DecisionTrace trace() {
        return trace;
    }

    public SchedulingContext trace(DecisionTrace newTrace) {
        this.trace = newTrace;
        return this;
    }

    /** Scratch space of at least {@code size} doubles for the framework's score accumulation; reused per request. */
    double[] scratch(int size) {
        if (scratch == null || scratch.length < size) {
            scratch = new double[size];
        }
        return scratch;
    }
}
