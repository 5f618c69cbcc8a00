package io.quarkiverse.llmd.engine.prefix;

/**
 * The outcome of one matching walk over an {@link ApproximatePrefixIndex}: for each endpoint, how many of the
 * walked blocks it holds (0 for most). Immutable and allocation-light: one {@code int} per index slot, plus the
 * index's immutable name snapshot of the moment, so that a lookup by name is a hash-map probe and an array read.
 */
public final class PrefixMatch {

    /** No endpoint holds anything. */
    public static final PrefixMatch EMPTY = new PrefixMatch(null, null, 0, 0);

    private final ApproximatePrefixIndex.Slots slots;
    private final int[] perSlot;
    private final int size;
    private final int depth;

    PrefixMatch(ApproximatePrefixIndex.Slots slots, int[] perSlot, int size, int depth) {
        this.slots = slots;
        this.perSlot = perSlot;
        this.size = size;
        this.depth = depth;
    }

    /** Blocks of the walked prefix held by the endpoint; 0 when it holds none. */
    public int blocks(String endpointName) {
        int[] counts = perSlot;
        if (counts == null) {
            return 0;
        }
        Integer slot = slots.slotOf.get(endpointName);
        return slot == null || slot >= counts.length ? 0 : counts[slot];
    }

    /** Number of endpoints with a non-zero count. */
    public int size() {
        return size;
    }

    /** How many leading hashes at least one endpoint held (where the walk stopped). */
    public int depth() {
        return depth;
    }

    /** The endpoint with the most blocks (lowest slot on ties), or null when none holds any. */
    public String best() {
        String best = null;
        int bestCount = 0;
        if (perSlot != null) {
            for (int s = 0; s < perSlot.length && s < slots.names.length; s++) {
                if (perSlot[s] > bestCount && slots.names[s] != null) {
                    best = slots.names[s];
                    bestCount = perSlot[s];
                }
            }
        }
        return best;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PrefixMatch{depth=").append(depth);
        if (perSlot != null) {
            for (int s = 0; s < perSlot.length && s < slots.names.length; s++) {
                if (perSlot[s] > 0 && slots.names[s] != null) {
                    sb.append(", ").append(slots.names[s]).append('=').append(perSlot[s]);
                }
            }
        }
        return sb.append('}').toString();
    }
}
