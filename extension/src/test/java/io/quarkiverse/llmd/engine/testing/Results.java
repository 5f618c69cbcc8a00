package io.quarkiverse.llmd.engine.testing;

import java.util.LinkedHashMap;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;

/** Scheduling results built by hand, for pre-request and response hook tests. */
public final class Results {

    private Results() {
    }

    /** A result whose only (primary) profile {@code default} targets {@code endpoint}. */
    public static SchedulingResult single(Endpoint endpoint) {
        return new SchedulingResult("default", Map.of("default", profile(endpoint)));
    }

    /** A P/D result: primary profile {@code decode}, and {@code prefill}. */
    public static SchedulingResult disaggregated(Endpoint decode, Endpoint prefill) {
        Map<String, ProfileRunResult> results = new LinkedHashMap<>();
        results.put("prefill", profile(prefill));
        results.put("decode", profile(decode));
        return new SchedulingResult("decode", results);
    }

    public static ProfileRunResult profile(Endpoint... targets) {
        return new ProfileRunResult(java.util.Arrays.stream(targets).map(e -> new ScoredEndpoint(e, 1.0)).toList());
    }
}
