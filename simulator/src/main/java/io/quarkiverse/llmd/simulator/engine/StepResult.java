package io.quarkiverse.llmd.simulator.engine;

import java.util.List;

import io.quarkiverse.llmd.simulator.kvevents.KvEvent;

/**
 * What one engine step did. The driver decides what {@code durationSeconds} means in its clock: a real-time driver
 * sleeps it (scaled), a discrete-event simulator advances virtual time by it.
 *
 * @param durationSeconds modelled length of the step; 0 when nothing was scheduled
 * @param prefillTokens prompt (or recomputed) tokens computed in the step
 * @param decodeSeqs sequences that decoded one token
 * @param decodeContextTokens sum of the context lengths of the decoding sequences
 * @param progressed requests that produced a token in this step (their {@code numOutput()} grew by one)
 * @param finished requests that finished in this step (including aborted or failed ones)
 * @param kvEvents KV-cache events of the step, in order (empty when events are disabled)
 * @param preemptions requests preempted in this step
 * @param promptTokensQueried prompt tokens looked up in the prefix cache by newly scheduled requests
 * @param promptTokensHit of those, tokens found in the cache
 */
public record StepResult(double durationSeconds, int prefillTokens, int decodeSeqs, long decodeContextTokens,
        List<SimRequest> progressed, List<SimRequest> finished, List<KvEvent> kvEvents, int preemptions,
        long promptTokensQueried, long promptTokensHit) {

    public static final StepResult IDLE = new StepResult(0, 0, 0, 0, List.of(), List.of(), List.of(), 0, 0, 0);

    /** True when nothing was scheduled: the engine waits for new requests. */
    public boolean idle() {
        return prefillTokens == 0 && decodeSeqs == 0 && finished.isEmpty();
    }
}
