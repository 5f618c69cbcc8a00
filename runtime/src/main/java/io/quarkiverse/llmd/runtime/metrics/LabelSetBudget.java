package io.quarkiverse.llmd.runtime.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the number of label combinations of a meter family. Capping each label on its own is not enough: a client
 * that varies the model name and the fairness id together could still mint up to cap x cap combinations. A key is
 * admitted while fewer than {@code limit} are; past that the caller's coarser fallback is tried, and the last
 * resort (every client-supplied label {@code other}) is always admitted, its domain being small and fixed.
 *
 * @param <K> the label combination
 */
final class LabelSetBudget<K> {

    private final int limit;
    private final Set<K> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();

    LabelSetBudget(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("label set limit must be >= 0, got " + limit);
        }
        this.limit = limit;
    }

    /**
     * @param key the combination wanted
     * @param fallback a coarser combination to use when the budget is spent, or null
     * @param lastResort the combination used when neither fits; always admitted
     */
    K admit(K key, K fallback, K lastResort) {
        if (admitted.contains(key) || tryAdd(key)) {
            return key;
        }
        if (fallback != null && (admitted.contains(fallback) || tryAdd(fallback))) {
            return fallback;
        }
        admitted.add(lastResort);
        return lastResort;
    }

    /** Combinations admitted under the limit (last resorts not counted). */
    int size() {
        return count.get();
    }

    private boolean tryAdd(K key) {
        while (true) {
            int n = count.get();
            if (n >= limit) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                if (!admitted.add(key)) {
                    count.decrementAndGet();
                }
                return true;
            }
        }
    }
}
