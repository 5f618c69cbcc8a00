package io.quarkiverse.llmd.engine.kvcache;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One vLLM KV-cache event (reference kvcache-and-sim.md A1.5). Block hashes are vLLM's "engine keys": opaque
 * 64-bit identifiers, to be read as unsigned (use {@link Long#toUnsignedString(long)} to print them).
 */
public sealed interface KvEvent permits KvEvent.BlockStored, KvEvent.BlockRemoved, KvEvent.AllBlocksCleared {

    /** Device tier of events that name none (llm-d's default). */
    String DEFAULT_TIER = "gpu";

    /** llm-d's tier of a {@code medium}: lower-cased, {@value #DEFAULT_TIER} when absent or empty. */
    static String tierOf(String medium) {
        return medium == null || medium.isEmpty() ? DEFAULT_TIER : medium.toLowerCase(Locale.ROOT);
    }

    /**
     * Newly cached full blocks of one request.
     *
     * @param blockHashes engine keys of the new blocks, in chain order
     * @param parentBlockHash engine key of the block just before the first new one; meaningful when
     *        {@code hasParent}
     * @param hasParent false when the first new block starts the sequence (parent None)
     * @param tokenIds all tokens of the new blocks ({@code blockHashes.length * blockSize} for dense events; empty
     *        for location updates of an offloading connector)
     * @param blockSize engine block size in tokens
     * @param loraId deprecated LoRA adapter id, or null
     * @param medium the raw {@code medium} ("GPU", "CPU", ...), or null; see {@link #tier()}
     * @param loraName LoRA name, or null; it replaces the model name in block keys
     * @param extraKeys per block, the extra keys vLLM hashed: each string entry as is, each {@code [string, int]}
     *        entry as its string, other entries dropped (llm-d's reading); a null element for a block without extra
     *        keys; null when the field is absent
     * @param groupIdx KV-cache group of hybrid models, or null
     * @param kvCacheSpecKind attention kind of that group ({@code full_attention}, {@code sliding_window}, ...), or
     *        null
     * @param kvCacheSpecSlidingWindow window of a sliding-window group, or null
     * @param locality newer vLLM field, kept as given, or null
     */
    record BlockStored(long[] blockHashes, long parentBlockHash, boolean hasParent, int[] tokenIds, int blockSize,
            Long loraId, String medium, String loraName, List<List<String>> extraKeys, Integer groupIdx,
            String kvCacheSpecKind, Integer kvCacheSpecSlidingWindow, String locality) implements KvEvent {

        /** The device tier: {@link KvEvent#tierOf(String)} of the medium. */
        public String tier() {
            return tierOf(medium);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockStored b && parentBlockHash == b.parentBlockHash && hasParent == b.hasParent
                    && blockSize == b.blockSize && Arrays.equals(blockHashes, b.blockHashes)
                    && Arrays.equals(tokenIds, b.tokenIds) && java.util.Objects.equals(loraId, b.loraId)
                    && java.util.Objects.equals(medium, b.medium) && java.util.Objects.equals(loraName, b.loraName)
                    && java.util.Objects.equals(extraKeys, b.extraKeys)
                    && java.util.Objects.equals(groupIdx, b.groupIdx)
                    && java.util.Objects.equals(kvCacheSpecKind, b.kvCacheSpecKind)
                    && java.util.Objects.equals(kvCacheSpecSlidingWindow, b.kvCacheSpecSlidingWindow)
                    && java.util.Objects.equals(locality, b.locality);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(blockHashes) * 31 + Arrays.hashCode(tokenIds);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("BlockStored{hashes=[");
            for (int i = 0; i < blockHashes.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(blockHashes[i]));
            }
            sb.append("], parent=").append(hasParent ? Long.toUnsignedString(parentBlockHash) : "None")
                    .append(", tokens=").append(tokenIds.length).append(", blockSize=").append(blockSize)
                    .append(", medium=").append(medium).append(", loraName=").append(loraName)
                    .append(", groupIdx=").append(groupIdx).append(", kind=").append(kvCacheSpecKind).append('}');
            return sb.toString();
        }
    }

    /**
     * Blocks evicted from a tier.
     *
     * @param blockHashes engine keys of the evicted blocks
     * @param medium the raw medium, or null; see {@link #tier()}
     * @param groupIdx KV-cache group, or null
     * @param locality newer vLLM field, or null
     */
    record BlockRemoved(long[] blockHashes, String medium, Integer groupIdx, String locality) implements KvEvent {

        public String tier() {
            return tierOf(medium);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockRemoved b && Arrays.equals(blockHashes, b.blockHashes)
                    && java.util.Objects.equals(medium, b.medium) && java.util.Objects.equals(groupIdx, b.groupIdx)
                    && java.util.Objects.equals(locality, b.locality);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(blockHashes);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("BlockRemoved{hashes=[");
            for (int i = 0; i < blockHashes.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(Long.toUnsignedString(blockHashes[i]));
            }
            return sb.append("], medium=").append(medium).append(", groupIdx=").append(groupIdx).append('}')
                    .toString();
        }
    }

    /** The engine dropped its whole prefix cache (reset, weight sync, sleep); it names no tier. */
    record AllBlocksCleared() implements KvEvent {
        public static final AllBlocksCleared INSTANCE = new AllBlocksCleared();
    }
}
