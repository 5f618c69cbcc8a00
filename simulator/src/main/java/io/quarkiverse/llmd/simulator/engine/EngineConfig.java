package io.quarkiverse.llmd.simulator.engine;

import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/**
 * What the engine model needs, independent of HTTP.
 *
 * @param model model name; seeds the block hash chain
 * @param hardware step-time parameters, KV blocks and block size
 * @param maxNumSeqs at most this many running sequences
 * @param maxNumBatchedTokens at most this many tokens computed per step (chunked prefill)
 * @param enablePrefixCaching reuse cached full prompt blocks
 * @param emitKvEvents build BlockStored / BlockRemoved events (skipped when nobody listens)
 */
public record EngineConfig(String model, HardwareProfile hardware, int maxNumSeqs, int maxNumBatchedTokens,
        boolean enablePrefixCaching, boolean emitKvEvents) {

    public static EngineConfig from(SimulatorConfig c, boolean emitKvEvents) {
        return new EngineConfig(c.model(), c.hardware(), c.maxNumSeqs(), c.maxNumBatchedTokens(),
                c.enablePrefixCaching(), emitKvEvents);
    }
}
