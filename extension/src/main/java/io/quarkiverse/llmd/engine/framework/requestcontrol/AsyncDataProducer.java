package io.quarkiverse.llmd.engine.framework.requestcontrol;

import java.util.concurrent.CompletionStage;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * A data producer whose data needs I/O (a call to a tokenizer service, say), which a scheduling cycle must not wait
 * for: producers run on the caller's thread, an event loop for the edges. The request pipeline therefore calls
 * {@link #prepare} once per request, before the request is queued or scheduled, and schedules only once the stage
 * has completed; the value is then put under {@link #preparedKey()} into every scheduling context of that request
 * (a retry's included) before the producers run.
 * <p>
 * {@link #produce} still runs in every cycle, as for any producer: it must keep a value that is already in the
 * context and otherwise compute a synchronous fallback, because some callers do not prepare (a saturation probe, a
 * test driving the scheduler directly).
 * <p>
 * The engine does no I/O, so implementations live in the runtime; the engine only sequences them.
 *
 * @param <T> the type of the prepared value
 */
public interface AsyncDataProducer<T> extends DataProducer {

    /**
     * Whether this instance's requests need preparing at all. A producer whose configuration does no I/O (a
     * tokenizer backend that only estimates, say) answers false, and the pipeline keeps its synchronous path:
     * {@link #produce} alone serves.
     */
    default boolean needsPreparation() {
        return true;
    }

    /** Where the prepared value goes in the scheduling context. */
    DataKey<T> preparedKey();

    /**
     * Starts obtaining this request's value. Must not block. A stage already complete on return (a cache hit, a
     * fallback taken at once) lets the pipeline go on synchronously on the calling thread. Otherwise the pipeline
     * continues on the thread that completes the stage, so an implementation on an event loop should complete it on
     * the caller's context. A stage that fails or completes with null leaves the key empty, and {@link #produce}
     * computes its fallback; a producer that wants its own fallback completes normally with it.
     *
     * @param request the parsed request, after model rewriting
     * @param body the body that will be forwarded (with the rewritten model); shared, do not modify
     */
    CompletionStage<T> prepare(InferenceRequest request, byte[] body);
}
