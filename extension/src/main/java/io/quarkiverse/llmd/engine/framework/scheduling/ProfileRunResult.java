package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;

/** The endpoints a profile run chose, best first. The first one is the one the request goes to. */
public record ProfileRunResult(List<ScoredEndpoint> targets) {

    public ProfileRunResult {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a profile result needs at least one target");
        }
        targets = List.copyOf(targets);
    }

    public Endpoint primary() {
        return targets.get(0).endpoint();
    }
}
