package io.quarkiverse.llmd.simulator.kvcache;

import java.util.Arrays;

/**
 * Open-addressing map from non-zero {@code long} keys to {@code int} values, fixed capacity, linear probing with
 * backward-shift deletion. Two primitive arrays instead of a HashMap of boxed entries keep a 100k-block cache at a
 * few megabytes. Not thread-safe.
 */
final class LongIntMap {

    private final long[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    LongIntMap(int maxEntries) {
        int cap = Integer.highestOneBit(Math.max(4, maxEntries * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
        mask = cap - 1;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    int get(long key) {
        for (int i = slot(key);; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    void put(long key, int value) {
        for (int i = slot(key);; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == 0) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    void remove(long key) {
        int i = slot(key);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        // backward-shift: move later entries of the probe run into the hole so lookups never stop early
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        size--;
    }

    int size() {
        return size;
    }

    void clear() {
        Arrays.fill(keys, 0);
        size = 0;
    }
}
