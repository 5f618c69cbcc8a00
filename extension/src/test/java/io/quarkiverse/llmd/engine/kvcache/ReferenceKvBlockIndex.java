package io.quarkiverse.llmd.engine.kvcache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A deliberately plain {@link KvBlockIndex} built from collections, used as the oracle in differential tests. Not
 * thread-safe beyond its synchronized methods; not for production.
 */
final class ReferenceKvBlockIndex implements KvBlockIndex {

    private final long capacity;
    private final Map<String, Double> weights;
    /** Request key to endpoint to tiers, in LRU order (eldest first). */
    private final LinkedHashMap<Long, Map<String, Set<String>>> blocks = new LinkedHashMap<>();
    private final Map<Long, List<Long>> engine = new HashMap<>();

    ReferenceKvBlockIndex(long capacity, Map<String, Double> weights) {
        this.capacity = capacity;
        this.weights = weights;
    }

    private static String tier(String tier) {
        return tier == null || tier.isEmpty() ? "gpu" : tier.toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized void add(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount,
            String endpoint, String tier) {
        for (int i = 0; i < requestCount; i++) {
            Map<String, Set<String>> holders = blocks.remove(requestKeys[i]);
            if (holders == null) {
                if (blocks.size() >= capacity) {
                    Iterator<Long> eldest = blocks.keySet().iterator();
                    eldest.next();
                    eldest.remove();
                }
                holders = new TreeMap<>();
            }
            holders.computeIfAbsent(endpoint, e -> new TreeSet<>()).add(tier(tier));
            blocks.put(requestKeys[i], holders);
        }
        if (engineCount > 0 && requestCount > 0) {
            int n = Math.max(engineCount, requestCount);
            Map<Long, List<Long>> mapped = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                long ek = engineKeys[(int) ((long) i * engineCount / n)];
                long rk = requestKeys[(int) ((long) i * requestCount / n)];
                mapped.computeIfAbsent(ek, k -> new ArrayList<>()).add(rk);
            }
            engine.putAll(mapped);
        }
    }

    @Override
    public synchronized void evict(long engineKey, String endpoint, String tier) {
        List<Long> keys = engine.get(engineKey);
        if (keys == null) {
            return;
        }
        boolean held = false;
        for (long key : keys) {
            Map<String, Set<String>> holders = blocks.get(key);
            if (holders == null) {
                continue;
            }
            Set<String> tiers = holders.get(endpoint);
            if (tiers != null) {
                tiers.remove(tier(tier));
                if (tiers.isEmpty()) {
                    holders.remove(endpoint);
                }
            }
            if (holders.isEmpty()) {
                blocks.remove(key);
            } else {
                held = true;
            }
        }
        if (!held) {
            engine.remove(engineKey);
        }
    }

    @Override
    public synchronized long requestKey(long engineKey) {
        List<Long> keys = engine.get(engineKey);
        return keys == null ? NO_KEY : keys.get(keys.size() - 1);
    }

    @Override
    public synchronized void clear(String endpoint) {
        for (Iterator<Map<String, Set<String>>> it = blocks.values().iterator(); it.hasNext();) {
            Map<String, Set<String>> holders = it.next();
            holders.remove(endpoint);
            if (holders.isEmpty()) {
                it.remove();
            }
        }
    }

    @Override
    public synchronized void removeEndpoint(String endpoint) {
        clear(endpoint);
    }

    @Override
    public synchronized KvPrefixMatch longestPrefix(long[] requestKeys, int count) {
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Double> scores = new HashMap<>();
        Set<String> alive = null;
        for (int i = 0; i < count; i++) {
            Map<String, Set<String>> holders = blocks.get(requestKeys[i]);
            if (holders == null) {
                break;
            }
            Set<String> next = new TreeSet<>(holders.keySet());
            if (alive != null) {
                next.retainAll(alive);
            }
            if (next.isEmpty()) {
                break;
            }
            for (String e : next) {
                counts.merge(e, 1, Integer::sum);
                double best = 0;
                for (String t : holders.get(e)) {
                    best = Math.max(best, weights.getOrDefault(t, 1.0));
                }
                scores.merge(e, best, Double::sum);
            }
            alive = next;
        }
        int total = count;
        return new KvPrefixMatch() {
            @Override
            public int blocks(String endpoint) {
                return counts.getOrDefault(endpoint, 0);
            }

            @Override
            public double score(String endpoint) {
                return scores.getOrDefault(endpoint, 0.0);
            }

            @Override
            public int totalBlocks() {
                return total;
            }

            @Override
            public Map<String, Integer> blocksByEndpoint() {
                return counts;
            }
        };
    }

    @Override
    public synchronized long blockCount() {
        return blocks.size();
    }

    @Override
    public synchronized long entryCount() {
        long n = 0;
        for (Map<String, Set<String>> holders : blocks.values()) {
            n += holders.size();
        }
        return n;
    }

    /** Whether any endpoint holds the key (for the differential test). */
    synchronized boolean held(long key) {
        return blocks.containsKey(key);
    }
}
