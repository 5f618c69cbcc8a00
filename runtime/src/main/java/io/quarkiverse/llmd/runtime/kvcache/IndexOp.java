package io.quarkiverse.llmd.runtime.kvcache;

import java.util.Arrays;

import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;

/**
 * One change to a {@link KvBlockIndex}, as replicas exchange them: the index's write operations, so that every
 * replica replays the same changes in the same order and resolves engine keys with its own engine-key map (built from
 * the same adds).
 */
public sealed interface IndexOp {

    /** Applies the change to an index. */
    void applyTo(KvBlockIndex index);

    /** The endpoint the change is about. */
    String endpoint();

    /** {@link KvBlockIndex#add}; the arrays are owned by the op (copied from the caller's buffers). */
    record Add(long[] engineKeys, long[] requestKeys, String endpoint, String tier) implements IndexOp {

        /** Copies the caller's ranges: ingestion reuses its buffers. */
        public static Add of(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount,
                String endpoint, String tier) {
            return new Add(Arrays.copyOf(engineKeys, engineCount), Arrays.copyOf(requestKeys, requestCount), endpoint,
                    tier);
        }

        @Override
        public void applyTo(KvBlockIndex index) {
            index.add(engineKeys, engineKeys.length, requestKeys, requestKeys.length, endpoint, tier);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Add a && Arrays.equals(engineKeys, a.engineKeys)
                    && Arrays.equals(requestKeys, a.requestKeys) && endpoint.equals(a.endpoint) && tier.equals(a.tier);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(engineKeys) + Arrays.hashCode(requestKeys)) + endpoint.hashCode();
        }

        @Override
        public String toString() {
            return "Add[" + endpoint + "/" + tier + " engine=" + Arrays.toString(engineKeys) + " request="
                    + Arrays.toString(requestKeys) + "]";
        }
    }

    /** {@link KvBlockIndex#evict}. */
    record Evict(long engineKey, String endpoint, String tier) implements IndexOp {
        @Override
        public void applyTo(KvBlockIndex index) {
            index.evict(engineKey, endpoint, tier);
        }
    }

    /** {@link KvBlockIndex#clear} (an AllBlocksCleared). */
    record Clear(String endpoint) implements IndexOp {
        @Override
        public void applyTo(KvBlockIndex index) {
            index.clear(endpoint);
        }
    }

    /** {@link KvBlockIndex#removeEndpoint} (the endpoint left the pool). */
    record RemoveEndpoint(String endpoint) implements IndexOp {
        @Override
        public void applyTo(KvBlockIndex index) {
            index.removeEndpoint(endpoint);
        }
    }
}
