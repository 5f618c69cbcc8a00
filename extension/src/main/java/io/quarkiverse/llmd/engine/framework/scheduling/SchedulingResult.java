package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Outcome of a scheduling cycle: the result of every profile that ran (a failed profile maps to null) and which
 * profile's targets the request is sent to.
 *
 * @param primaryProfileName the profile whose endpoints receive the request; null when scheduling failed
 * @param profileResults per profile name, its result or null when it found no endpoint; in run order
 */
public record SchedulingResult(String primaryProfileName, Map<String, ProfileRunResult> profileResults) {

    public SchedulingResult {
        profileResults = Collections.unmodifiableMap(new LinkedHashMap<>(profileResults));
    }

    /** A cycle in which no profile produced the primary result. */
    public static SchedulingResult failed(Map<String, ProfileRunResult> profileResults) {
        return new SchedulingResult(null, profileResults);
    }

    public boolean succeeded() {
        return primaryProfileName != null && profileResults.get(primaryProfileName) != null;
    }

    /** The primary profile's result; throws when scheduling failed. */
    public ProfileRunResult primary() {
        ProfileRunResult result = primaryProfileName == null ? null : profileResults.get(primaryProfileName);
        if (result == null) {
            throw new IllegalStateException("scheduling failed: no primary result");
        }
        return result;
    }

    /** The endpoints the request goes to, best first (the ext_proc destination list). */
    public List<ScoredEndpoint> targets() {
        return primary().targets();
    }

    /** A profile's result, or null when it did not run or failed. */
    public ProfileRunResult profile(String name) {
        return profileResults.get(name);
    }
}
