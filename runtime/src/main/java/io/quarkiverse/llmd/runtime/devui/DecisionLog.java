package io.quarkiverse.llmd.runtime.devui;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;
import io.quarkiverse.llmd.engine.pipeline.DecisionObserver;

/**
 * The most recent scheduling decisions, for the Dev UI: a bounded ring buffer written by whoever schedules. It is a
 * dev-mode bean (registered by the Dev UI build step only), so production paths pay nothing. A caller that wants the
 * score of every candidate, not only of the picked targets, sets {@link #trace()} on the context before scheduling.
 *
 * <p>
 * Two callers today: the Dev UI's "try a request" action (a dry run, no pre-request hooks) and, once wired, the
 * request director:
 *
 * <pre>
 * context.trace(decisionLog.trace());    // optional, before scheduler.schedule(...): every candidate's scores
 * decisionLog.record(context, result);    // after it
 * </pre>
 */
@Singleton
public class DecisionLog implements DecisionObserver {

    /** Decisions kept. */
    public static final int CAPACITY = 50;

    /** One endpoint's scores in one profile run. */
    public record EndpointScore(String endpoint, String address, double total, Map<String, Double> byScorer,
            boolean picked) {
    }

    /** What one profile did: the filters' narrowing, the scores, the pick. */
    public record ProfileRun(String profile, List<String> filters, List<EndpointScore> scores, List<String> picked) {
    }

    /**
     * One decision.
     *
     * @param sequence increasing number
     * @param time when it was recorded (ISO-8601)
     * @param source who scheduled ({@code dry-run}, {@code proxy}, {@code ext-proc})
     * @param requestId {@code x-request-id}
     * @param model target model
     * @param succeeded whether an endpoint was chosen
     * @param profile primary profile, or null
     * @param endpoint chosen endpoint name, or null
     * @param address chosen endpoint address, or null
     * @param runs every profile that ran, in run order
     */
    public record Entry(long sequence, String time, String source, String requestId, String model, boolean succeeded,
            String profile, String endpoint, String address, List<ProfileRun> runs) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>(CAPACITY);
    private final AtomicLong sequence = new AtomicLong();

    /** A fresh collector of filter and scorer steps for one request. */
    @Override
    public DecisionTrace trace() {
        return new Collector();
    }

    /**
     * Records a live decision (source {@code live}): the one call the request director makes after
     * {@code scheduler.schedule}. Without {@link #trace()} on the context, only the picked targets' totals are known.
     */
    public Entry record(SchedulingContext context, SchedulingResult result) {
        return record("live", context, result);
    }

    @Override
    public void decided(SchedulingContext context, SchedulingResult result) {
        record(context, result);
    }

    /** Records a finished scheduling cycle; uses the context's trace when it is one of {@link #trace()}. */
    public Entry record(String source, SchedulingContext context, SchedulingResult result) {
        Collector collector = context.trace() instanceof Collector c ? c : null;
        List<ProfileRun> runs = new ArrayList<>();
        for (Map.Entry<String, ProfileRunResult> e : result.profileResults().entrySet()) {
            runs.add(profileRun(e.getKey(), e.getValue(), collector));
        }
        if (collector != null) {
            for (String profile : collector.byProfile.keySet()) {
                if (!result.profileResults().containsKey(profile)) {
                    runs.add(profileRun(profile, null, collector));
                }
            }
        }
        boolean ok = result.succeeded();
        Endpoint chosen = ok ? result.primary().primary() : null;
        Entry entry = new Entry(sequence.incrementAndGet(), Instant.now().toString(), source, context.request().requestId(),
                context.request().targetModel(), ok, ok ? result.primaryProfileName() : null,
                chosen == null ? null : chosen.name(), chosen == null ? null : chosen.address(), List.copyOf(runs));
        synchronized (entries) {
            if (entries.size() == CAPACITY) {
                entries.removeFirst();
            }
            entries.addLast(entry);
        }
        return entry;
    }

    /** The recorded decisions, newest first. */
    public List<Entry> recent() {
        List<Entry> out = new ArrayList<>(CAPACITY);
        synchronized (entries) {
            Iterator<Entry> it = entries.descendingIterator();
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }

    private static ProfileRun profileRun(String profile, ProfileRunResult result, Collector collector) {
        List<String> picked = new ArrayList<>();
        Map<String, Double> pickedTotals = new LinkedHashMap<>();
        if (result != null) {
            for (ScoredEndpoint s : result.targets()) {
                picked.add(s.endpoint().name());
                pickedTotals.put(s.endpoint().name(), s.score());
            }
        }
        ProfileTrace trace = collector == null ? null : collector.byProfile.get(profile);
        List<EndpointScore> scores = new ArrayList<>();
        List<String> filters = trace == null ? List.of() : List.copyOf(trace.filters);
        if (trace != null && !trace.endpoints.isEmpty()) {
            for (Map.Entry<String, EndpointTrace> e : trace.endpoints.entrySet()) {
                EndpointTrace t = e.getValue();
                scores.add(new EndpointScore(e.getKey(), t.address, t.total,
                        Collections.unmodifiableMap(new LinkedHashMap<>(t.byScorer)),
                        pickedTotals.containsKey(e.getKey())));
            }
        } else if (result != null) {
            for (ScoredEndpoint s : result.targets()) {
                scores.add(new EndpointScore(s.endpoint().name(), s.endpoint().address(), s.score(), Map.of(), true));
            }
        }
        // best first; on equal totals the picked endpoint first (the picker broke the tie)
        scores.sort((a, b) -> a.total() != b.total() ? Double.compare(b.total(), a.total())
                : Boolean.compare(b.picked(), a.picked()));
        return new ProfileRun(profile, filters, List.copyOf(scores), List.copyOf(picked));
    }

    private static final class EndpointTrace {
        final String address;
        final Map<String, Double> byScorer = new LinkedHashMap<>();
        double total;

        EndpointTrace(String address) {
            this.address = address;
        }
    }

    private static final class ProfileTrace {
        final List<String> filters = new ArrayList<>();
        final Map<String, EndpointTrace> endpoints = new LinkedHashMap<>();
    }

    /** Collects one request's steps; used by one thread at a time, like the context it hangs on. */
    private static final class Collector implements DecisionTrace {
        final Map<String, ProfileTrace> byProfile = new LinkedHashMap<>();

        private ProfileTrace profile(SchedulerProfile profile) {
            return byProfile.computeIfAbsent(profile.name(), k -> new ProfileTrace());
        }

        @Override
        public void filtered(SchedulerProfile profile, Filter filter, List<Endpoint> before, List<Endpoint> kept) {
            profile(profile).filters.add(filter.typedName() + ": " + before.size() + " -> " + kept.size());
        }

        @Override
        public void scored(SchedulerProfile profile, WeightedScorer scorer, List<Endpoint> endpoints,
                double[] scores) {
            ProfileTrace trace = profile(profile);
            String name = scorer.scorer().typedName().name();
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint e = endpoints.get(i);
                EndpointTrace t = trace.endpoints.computeIfAbsent(e.name(), k -> new EndpointTrace(e.address()));
                t.byScorer.put(name, scores[i]);
                t.total += scores[i] * scorer.weight();
            }
        }
    }
}
