package io.quarkiverse.llmd.it.extproc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseObserver;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.smallrye.common.annotation.Identifier;

/** A test plugin (type {@code test-recording-observer}) recording what the response hooks were told, by request id. */
@Singleton
@Identifier(RecordingObserver.TYPE)
public class RecordingObserver implements ResponseObserver {

    public static final String TYPE = "test-recording-observer";

    /** What one request's hooks saw. */
    public static final class Seen {
        public volatile Endpoint started;
        public volatile boolean firstChunk;
        public volatile Endpoint completedOn;
        public volatile ResponseOutcome outcome;
        public volatile int completions;
    }

    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    @Override
    public TypedName typedName() {
        return new TypedName(TYPE, TYPE);
    }

    /** The ids of every request a hook was told about. */
    public java.util.Set<String> requestIds() {
        return java.util.Set.copyOf(seen.keySet());
    }

    public Seen of(String requestId) {
        return seen.computeIfAbsent(requestId, k -> new Seen());
    }

    @Override
    public void responseStarted(SchedulingContext context, Endpoint served) {
        of(context.request().requestId()).started = served;
    }

    @Override
    public void firstChunk(SchedulingContext context, Endpoint served) {
        of(context.request().requestId()).firstChunk = true;
    }

    @Override
    public void responseComplete(SchedulingContext context, Endpoint served, ResponseOutcome outcome) {
        Seen s = of(context.request().requestId());
        s.completedOn = served;
        s.outcome = outcome;
        s.completions++;
    }
}
