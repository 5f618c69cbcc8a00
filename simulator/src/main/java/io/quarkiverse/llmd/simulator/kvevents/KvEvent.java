package io.quarkiverse.llmd.simulator.kvevents;

/**
 * The KV-cache events a vLLM engine publishes (reference kvcache-and-sim.md A1.5). Hashes are unsigned 64-bit
 * values carried in a {@code long}.
 */
public sealed interface KvEvent permits KvEvent.BlockStored, KvEvent.BlockRemoved, KvEvent.AllBlocksCleared {

    /**
     * Newly cached full blocks.
     *
     * @param blockHashes hashes of the new blocks, in chain order
     * @param parentBlockHash hash of the block before the first new one, or null when the first new block is block 0
     * @param tokenIds all tokens of the new blocks ({@code blockHashes.length * blockSize} of them)
     * @param blockSize tokens per block
     * @param loraId LoRA adapter id, or null
     * @param medium storage tier, {@code "GPU"} for device memory
     * @param loraName LoRA adapter name, or null
     */
    record BlockStored(long[] blockHashes, Long parentBlockHash, int[] tokenIds, int blockSize, Integer loraId,
            String medium, String loraName) implements KvEvent {
    }

    /** Blocks evicted from the cache. */
    record BlockRemoved(long[] blockHashes, String medium) implements KvEvent {
    }

    /** The whole prefix cache was reset. */
    record AllBlocksCleared() implements KvEvent {
    }
}
