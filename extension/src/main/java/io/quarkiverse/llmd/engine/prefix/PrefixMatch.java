package io.quarkiverse.llmd.engine.prefix;

/**
 * The outcome of one matching walk over an {@link ApproximatePrefixIndex}: for each endpoint that holds at least
 * one of the walked blocks, how many. Immutable. Only non-zero counts are stored (most endpoints match nothing), in
 * a small open-addressing table keyed by the endpoint name's (cached) {@link String#hashCode()}, so a lookup costs
 * one hash probe and usually a reference comparison.
 */
public final class PrefixMatch {

    /** No endpoint holds anything. */
    public static final PrefixMatch EMPTY = new PrefixMatch(null, null, 0, 0);

    private final String[] names;
    private final int[] counts;
    private final int size;
    private final int depth;

    private PrefixMatch(String[] names, int[] counts, int size, int depth) {
        this.names = names;
        this.counts = counts;
        this.size = size;
        this.depth = depth;
    }

    /** Builds a match from parallel arrays of distinct endpoint names and positive counts. */
    static PrefixMatch of(String[] endpointNames, int[] blockCounts, int size, int depth) {
        if (size == 0) {
            return depth == 0 ? EMPTY : new PrefixMatch(null, null, 0, depth);
        }
        int capacity = Integer.highestOneBit(Math.max(2, size * 2 - 1)) << 1;
        String[] names = new String[capacity];
        int[] counts = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < size; i++) {
            String name = endpointNames[i];
            int slot = spread(name.hashCode()) & mask;
            while (names[slot] != null) {
                slot = (slot + 1) & mask;
            }
            names[slot] = name;
            counts[slot] = blockCounts[i];
        }
        return new PrefixMatch(names, counts, size, depth);
    }

    /** Blocks of the walked prefix held by the endpoint; 0 when it holds none. */
    public int blocks(String endpointName) {
        String[] n = names;
        if (n == null) {
            return 0;
        }
        int h = endpointName.hashCode();
        int mask = n.length - 1;
        int slot = spread(h) & mask;
        String candidate;
        while ((candidate = n[slot]) != null) {
            if (candidate == endpointName || candidate.hashCode() == h && candidate.equals(endpointName)) {
                return counts[slot];
            }
            slot = (slot + 1) & mask;
        }
        return 0;
    }

    /** Number of endpoints with a non-zero count. */
    public int size() {
        return size;
    }

    /** How many leading hashes at least one endpoint held (where the walk stopped). */
    public int depth() {
        return depth;
    }

    /** The endpoint with the most blocks, or null when none holds any; ties resolve arbitrarily. */
    public String best() {
        String best = null;
        int bestCount = 0;
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i] != null && counts[i] > bestCount) {
                    best = names[i];
                    bestCount = counts[i];
                }
            }
        }
        return best;
    }

    private static int spread(int h) {
        return (h ^ (h >>> 16)) * 0x45d9f3b;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PrefixMatch{depth=").append(depth);
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i] != null) {
                    sb.append(", ").append(names[i]).append('=').append(counts[i]);
                }
            }
        }
        return sb.append('}').toString();
    }
}
