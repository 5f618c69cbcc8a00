package io.quarkiverse.llmd.engine.framework.scheduling;

/** An endpoint with the total weighted score it got in a profile run. */
public record ScoredEndpoint(Endpoint endpoint, double score) {
}
