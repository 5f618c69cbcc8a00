package io.quarkiverse.llmd.engine.kvcache;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;

/**
 * The default {@link KvBlockIndex}: everything in primitive arrays, no object per block or per entry.
 *
 * <h2>Layout</h2>
 * <ul>
 * <li><b>Endpoints</b> get small int slots (lowest free first); <b>tiers</b> get an index in registration order
 * ({@code gpu}, {@code cpu}, then the configured ones, then any new name an event brings, at most
 * {@value #MAX_TIERS}).</li>
 * <li><b>Block table</b>: open addressing with linear probing over primitive {@code long} request keys (key 0 marks
 * an empty slot, so a real key 0 is stored as a stand-in). A slot is interleaved in one {@code long[]}: the key,
 * the prev/next links of an intrusive LRU list packed in one long, and a bitmask of endpoint slots for each tier
 * ({@code tiers x words} longs; one word covers 64 endpoints), so a probe and its update touch one cache line. With
 * two tiers and up to 64 endpoints that is 32 bytes per slot, at a load of at most {@value #LOAD}: 38 bytes per
 * block at capacity, however many endpoints hold it. The table is indexed by a multiply-shift reduction, so its
 * length need not be a power of two and the load at capacity is exact. Deletion shifts entries back (no
 * tombstones) and re-points their LRU neighbours.</li>
 * <li><b>Engine map</b>: engine key to request key, interleaved, 16 bytes per slot at a load of at most
 * {@value #ENGINE_LOAD}.
 * One engine key mapping to {@code k} request keys (engine blocks larger than ours) stores the last under the key
 * itself and the others under derived keys. Entries whose request keys have all left the block table are swept
 * out when the map fills (it holds {@value #ENGINE_HEADROOM} times the block capacity before sweeping, so sweeps
 * are amortised; pods with different hash seeds report different engine keys for one block, so it grows further
 * when live entries need it, to {@value #ENGINE_KEYS_PER_BLOCK} engine keys per block).</li>
 * </ul>
 * At capacity, with one endpoint per block and one engine key per block, that is about 61 bytes per
 * (block, endpoint) entry; every further endpoint holding the same block is free (a bit).
 *
 * <h2>Concurrency</h2>
 * One writer at a time (a {@link StampedLock} write lock; ingestion is expected on one thread). Readers
 * ({@link #longestPrefix}, {@link #requestKey}) run under an optimistic read stamp, touching no shared memory for
 * writing, validate, and retry under the read lock only when a writer interfered. Readers work on immutable
 * snapshots of the table geometry and bound every loop, so a torn read cannot throw or spin before validation
 * rejects it. Lookups do not change LRU recency: recency follows the engines' own events.
 */
public final class InMemoryKvBlockIndex implements KvBlockIndex {

    /** llm-d's default capacity in request keys. Tables grow on demand, so this costs nothing until used. */
    public static final long DEFAULT_CAPACITY = 100_000_000L;
    /** Default bound on endpoints. */
    public static final int DEFAULT_MAX_ENDPOINTS = 1024;
    /** Tiers tracked at most. */
    public static final int MAX_TIERS = 4;
    /** llm-d's default tier weights. */
    public static final Map<String, Double> DEFAULT_TIER_WEIGHTS = defaultWeights();
    /** Weight of a tier the configuration does not name (llm-d counts unknown tiers as 1.0). */
    public static final double UNKNOWN_TIER_WEIGHT = 1.0;
    /**
     * The tier name speculative entries score under (llm-d's speculative tier); its weight can be configured like
     * any tier's and defaults to {@value #UNKNOWN_TIER_WEIGHT}, so a speculative entry counts like a GPU one.
     */
    public static final String SPECULATIVE_TIER = "speculative";

    static final double LOAD = 0.85;
    static final double ENGINE_LOAD = 0.85;
    static final double ENGINE_HEADROOM = 1.25;
    static final int ENGINE_KEYS_PER_BLOCK = 8;
    static final long ZERO_KEY = 0x9E3779B97F4A7C15L;
    private static final int MIN_TABLE = 1024;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;
    private static final int NIL = -1;

    /**
     * @param capacityBlocks request keys kept at most; the least recently stored goes first
     * @param tierWeights weight of each tier in the prefix score (unlisted tiers count 1.0)
     * @param maxEndpoints endpoints tracked at most
     */
    public record Config(long capacityBlocks, Map<String, Double> tierWeights, int maxEndpoints) {

        public static final Config DEFAULTS = new Config(DEFAULT_CAPACITY, DEFAULT_TIER_WEIGHTS,
                DEFAULT_MAX_ENDPOINTS);

        public Config {
            if (capacityBlocks <= 0) {
                throw new IllegalArgumentException("capacityBlocks must be > 0, got " + capacityBlocks);
            }
            if (maxEndpoints <= 0 || maxEndpoints > 1 << 16) {
                throw new IllegalArgumentException("maxEndpoints must be in [1, 65536], got " + maxEndpoints);
            }
            Map<String, Double> weights = new LinkedHashMap<>();
            for (Map.Entry<String, Double> e : tierWeights.entrySet()) {
                double w = e.getValue();
                if (!(w >= 0) || Double.isInfinite(w)) {
                    throw new IllegalArgumentException("tier weight of " + e.getKey() + " must be >= 0, got " + w);
                }
                weights.put(e.getKey().toLowerCase(Locale.ROOT), w);
            }
            if (weights.size() > MAX_TIERS) {
                throw new IllegalArgumentException("at most " + MAX_TIERS + " tiers, got " + weights.keySet());
            }
            tierWeights = java.util.Collections.unmodifiableMap(weights);
        }

        /** Defaults with another capacity. */
        public static Config withCapacity(long capacityBlocks) {
            return new Config(capacityBlocks, DEFAULT_TIER_WEIGHTS, DEFAULT_MAX_ENDPOINTS);
        }
    }

    // ------------------------------------------------------------------------------------------ snapshots

    /**
     * Block table geometry and storage; written in place under the write lock, replaced on rebuild. Slots are
     * interleaved in one array, {@code [key, prev << 32 | next, masks (tier-major, word-minor)...]}, so that a probe
     * and the update that follows touch one cache line rather than one per array.
     */
    private static final class Table {
        final long[] data;
        final int length;
        final int words;
        final int tiers;
        final int stride;

        Table(int length, int words, int tiers) {
            this(length, words, tiers, new long[length * (MASKS + words * tiers)]);
        }

        Table(int length, int words, int tiers, long[] data) {
            this.length = length;
            this.words = words;
            this.tiers = tiers;
            this.stride = MASKS + words * tiers;
            this.data = data;
        }

        long key(int i) {
            return data[i * stride];
        }

        int prev(int i) {
            return (int) (data[i * stride + 1] >> 32);
        }

        int next(int i) {
            return (int) data[i * stride + 1];
        }

        void setPrev(int i, int p) {
            int at = i * stride + 1;
            data[at] = ((long) p << 32) | (data[at] & 0xFFFF_FFFFL);
        }

        void setNext(int i, int n) {
            int at = i * stride + 1;
            data[at] = (data[at] & 0xFFFF_FFFF_0000_0000L) | (n & 0xFFFF_FFFFL);
        }

        /** Index in {@link #data} of the mask word {@code w} of tier {@code k} of slot {@code i}. */
        int mask(int i, int k, int w) {
            return i * stride + MASKS + k * words + w;
        }
    }

    /** Offset of the first mask word in a slot. */
    private static final int MASKS = 2;

    /** Endpoint names by slot; replaced whole when an endpoint comes or goes. */
    private record Slots(String[] names, Map<String, Integer> slotOf) {
        static final Slots EMPTY = new Slots(new String[0], Map.of());
    }

    /** Tier names and weights by index, and the indexes by descending weight. */
    private record Tiers(String[] names, double[] weights, int[] byWeight) {
    }

    /** Engine key to request key, interleaved {@code [key, value]} per slot. */
    private static final class EngineMap {
        final long[] data;
        final int length;

        EngineMap(int length) {
            this.length = length;
            this.data = new long[2 * length];
        }
    }

    private final Config config;
    private final StampedLock lock = new StampedLock();
    private final int fullLength;
    private final int engineFullLength;
    private final int engineMaxLength;

    private volatile Table table;
    private volatile Slots slots = Slots.EMPTY;
    private volatile Tiers tiers;
    private volatile EngineMap engine;
    /** Speculative entries; null until the first one (an index that never speculates pays nothing for it). */
    private volatile SpeculativeEntries speculative;
    /** Weight of a speculative entry in the prefix score: the {@value #SPECULATIVE_TIER} tier's, 1.0 by default. */
    private final double speculativeWeight;

    // Writer state, guarded by the write lock.
    private int size;
    private int head = NIL;
    private int tail = NIL;
    private long entries;
    private int engineSize;
    private long sweeps;
    private long lruEvictions;

    public InMemoryKvBlockIndex() {
        this(Config.DEFAULTS);
    }

    public InMemoryKvBlockIndex(Config config) {
        this.config = config;
        Map<String, Double> weights = new LinkedHashMap<>();
        weights.put("gpu", config.tierWeights().getOrDefault("gpu", UNKNOWN_TIER_WEIGHT));
        weights.put("cpu", config.tierWeights().getOrDefault("cpu", UNKNOWN_TIER_WEIGHT));
        weights.putAll(config.tierWeights());
        // Speculative entries live in their own table, not in a tier of the block table.
        this.speculativeWeight = weights.getOrDefault(SPECULATIVE_TIER, UNKNOWN_TIER_WEIGHT);
        weights.remove(SPECULATIVE_TIER);
        if (weights.size() > MAX_TIERS) {
            throw new IllegalArgumentException("at most " + MAX_TIERS + " tiers including gpu and cpu, got "
                    + weights.keySet());
        }
        this.tiers = tiersOf(weights.keySet().toArray(String[]::new), weights.values().stream()
                .mapToDouble(Double::doubleValue).toArray());
        int tierCount = tiers.names().length;
        // Worst-case stride (MAX_TIERS tiers x words for maxEndpoints) bounds the length so arrays stay indexable.
        int maxStride = MASKS + MAX_TIERS * ((config.maxEndpoints() + 63) / 64);
        this.fullLength = lengthFor(config.capacityBlocks(), LOAD, MAX_ARRAY / maxStride);
        this.engineFullLength = lengthFor((long) Math.ceil(config.capacityBlocks() * ENGINE_HEADROOM), ENGINE_LOAD,
                MAX_ARRAY / 2);
        this.engineMaxLength = lengthFor((long) Math.ceil(config.capacityBlocks() * ENGINE_HEADROOM)
                * ENGINE_KEYS_PER_BLOCK, ENGINE_LOAD, MAX_ARRAY / 2);
        this.table = new Table(Math.min(MIN_TABLE, fullLength), 1, tierCount);
        this.engine = new EngineMap(Math.min(MIN_TABLE, engineFullLength));
    }

    private static int lengthFor(long capacity, double load, int max) {
        long length = (long) Math.ceil(capacity / load) + 1;
        return (int) Math.min(length, max);
    }

    private static Map<String, Double> defaultWeights() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("gpu", 1.0);
        m.put("cpu", 0.8);
        return java.util.Collections.unmodifiableMap(m);
    }

    public Config config() {
        return config;
    }

    /** Request keys kept at most (the configured capacity, unless array limits made it smaller). */
    public long capacity() {
        return Math.min(config.capacityBlocks(), (long) (fullLength * LOAD));
    }

    // ------------------------------------------------------------------------------------------ hashing

    private static long norm(long key) {
        return key == 0 ? ZERO_KEY : key;
    }

    static int home(long key, int length) {
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (((h >>> 32) * length) >>> 32);
    }

    private static int find(Table t, long key) {
        long[] data = t.data;
        int length = t.length;
        int stride = t.stride;
        int i = home(key, length);
        for (int probes = 0; probes < length; probes++) {
            long k = data[i * stride];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                return NIL;
            }
            if (++i == length) {
                i = 0;
            }
        }
        return NIL;
    }

    // ------------------------------------------------------------------------------------------ reading

    @Override
    public KvPrefixMatch longestPrefix(long[] requestKeys, int count) {
        return count <= 0 ? KvPrefixMatch.NONE : longestPrefix(BlockKeyChain.of(requestKeys, count));
    }

    /**
     * Asks the chain for block {@code i + 1}'s key right after looking up block {@code i}: the lookup's cache miss
     * and the next block's hashing (cbor-fnv's serial multiply chain; an xxh64 chain hashes a stride ahead) then
     * overlap in the processor instead of adding up, and nothing past the first block no endpoint holds is hashed
     * beyond that.
     */
    @Override
    public KvPrefixMatch longestPrefix(BlockKeyChain chain) {
        if (chain.count() <= 0) {
            return KvPrefixMatch.NONE;
        }
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            Match m = walk(chain);
            if (lock.validate(stamp)) {
                return m;
            }
        }
        stamp = lock.readLock();
        try {
            return walk(chain);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private Match walk(BlockKeyChain chain) {
        int count = chain.count();
        Slots s = slots;
        Tiers tr = tiers;
        Table t = table;
        int words = t.words;
        int tierCount = Math.min(t.tiers, tr.names().length);
        int stride = t.stride;
        long[] masks = t.data;
        int[] counts = new int[words * 64];
        double[] scores = new double[words * 64];
        long[] alive = new long[words];
        Arrays.fill(alive, -1L);
        // Per tier, the endpoints whose best tier for the block it is; the speculative tier comes last.
        int spec = t.tiers;
        long[] run = new long[words * (spec + 1)];
        long[] cur = new long[words * (spec + 1)];
        int runLength = 0;
        int[] order = tr.byWeight();
        SpeculativeEntries sp = speculative;
        long[] specMask = sp == null ? null : new long[words];
        int specAt = sp == null ? -1 : speculativePosition(order, tr.weights(), tierCount);
        for (int i = 0; i < count; i++) {
            long key = norm(chain.key(i));
            int slot = find(t, key);
            boolean speculated = false;
            if (specMask != null) {
                Arrays.fill(specMask, 0L);
                speculated = sp.orInto(key, specMask, words);
            }
            if (slot < 0 && !speculated) {
                break;
            }
            int base = slot < 0 ? -1 : slot * stride + MASKS;
            boolean any = false;
            for (int w = 0; w < words; w++) {
                long union = specMask == null ? 0 : specMask[w];
                if (base >= 0) {
                    for (int k = 0; k < tierCount; k++) {
                        union |= masks[base + k * words + w];
                    }
                }
                alive[w] &= union;
                long taken = 0;
                // Each endpoint counts the block at the highest weight among the tiers holding it.
                for (int o = 0; o <= order.length; o++) {
                    if (o == specAt) {
                        long bits = specMask[w] & alive[w] & ~taken;
                        cur[spec * words + w] = bits;
                        taken |= bits;
                    }
                    if (o == order.length) {
                        break;
                    }
                    int k = order[o];
                    if (k < tierCount) {
                        long bits = base < 0 ? 0 : masks[base + k * words + w] & alive[w] & ~taken;
                        cur[k * words + w] = bits;
                        taken |= bits;
                    }
                }
                any |= alive[w] != 0;
            }
            if (!any) {
                break;
            }
            if (runLength > 0 && Arrays.equals(cur, run)) {
                runLength++;
            } else {
                flush(run, runLength, words, tierCount, tr.weights(), spec, speculativeWeight, counts, scores);
                long[] swap = run;
                run = cur;
                cur = swap;
                runLength = 1;
            }
        }
        flush(run, runLength, words, tierCount, tr.weights(), spec, speculativeWeight, counts, scores);
        return new Match(s, counts, scores, count);
    }

    /** Where the speculative tier goes in the by-weight order: after every real tier weighing at least as much. */
    private int speculativePosition(int[] order, double[] weights, int tierCount) {
        for (int o = 0; o < order.length; o++) {
            int k = order[o];
            if (k < tierCount && k < weights.length && weights[k] < speculativeWeight) {
                return o;
            }
        }
        return order.length;
    }

    private static void flush(long[] run, int runLength, int words, int tierCount, double[] weights, int spec,
            double specWeight, int[] counts, double[] scores) {
        if (runLength == 0) {
            return;
        }
        for (int k = 0; k <= tierCount; k++) {
            int tier = k < tierCount ? k : spec;
            double weighted = runLength * (k < tierCount ? weights[k] : specWeight);
            for (int w = 0; w < words; w++) {
                long bits = run[tier * words + w];
                while (bits != 0) {
                    int slot = w * 64 + Long.numberOfTrailingZeros(bits);
                    counts[slot] += runLength;
                    scores[slot] += weighted;
                    bits &= bits - 1;
                }
            }
        }
    }

    /** A lookup result over the endpoint slots of the snapshot it was computed with. */
    private static final class Match implements KvPrefixMatch {
        private final Slots slots;
        private final int[] counts;
        private final double[] scores;
        private final int total;

        Match(Slots slots, int[] counts, double[] scores, int total) {
            this.slots = slots;
            this.counts = counts;
            this.scores = scores;
            this.total = total;
        }

        private int slot(String endpoint) {
            Integer slot = slots.slotOf().get(endpoint);
            return slot == null || slot >= counts.length ? NIL : slot;
        }

        @Override
        public int blocks(String endpoint) {
            int slot = slot(endpoint);
            return slot < 0 ? 0 : counts[slot];
        }

        @Override
        public double score(String endpoint) {
            int slot = slot(endpoint);
            return slot < 0 ? 0 : scores[slot];
        }

        @Override
        public int totalBlocks() {
            return total;
        }

        @Override
        public Map<String, Integer> blocksByEndpoint() {
            Map<String, Integer> result = new java.util.TreeMap<>();
            String[] names = slots.names();
            for (int i = 0; i < Math.min(names.length, counts.length); i++) {
                if (names[i] != null && counts[i] > 0) {
                    result.put(names[i], counts[i]);
                }
            }
            return result;
        }

        @Override
        public String toString() {
            return "KvPrefixMatch" + blocksByEndpoint() + " of " + total;
        }
    }

    @Override
    public long requestKey(long engineKey) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            long v = engineGet(engine, norm(engineKey));
            if (lock.validate(stamp)) {
                return v;
            }
        }
        stamp = lock.readLock();
        try {
            return engineGet(engine, norm(engineKey));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    public long blockCount() {
        long stamp = lock.readLock();
        try {
            return size;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    public long entryCount() {
        long stamp = lock.readLock();
        try {
            return entries;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Engine keys mapped. */
    public long engineKeyCount() {
        long stamp = lock.readLock();
        try {
            return engineSize;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Request keys dropped because the index was at capacity. */
    public long lruEvictions() {
        long stamp = lock.readLock();
        try {
            return lruEvictions;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Heap held by the index's arrays, in bytes (what a full index costs is dominated by these). */
    public long arrayBytes() {
        long stamp = lock.readLock();
        try {
            SpeculativeEntries sp = speculative;
            return 16L + 8L * table.data.length + 16L + 8L * engine.data.length + (sp == null ? 0 : sp.arrayBytes());
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Endpoint names currently tracked (for diagnostics). */
    public java.util.Set<String> endpoints() {
        return slots.slotOf().keySet();
    }

    /** Receives the content of an index from {@link #export}. */
    @FunctionalInterface
    public interface ContentVisitor {

        /**
         * {@code endpoint} holds {@code requestKey} on {@code tier}; {@code engineKeys[0, engineCount)} are the engine
         * keys that resolve to it (the array is reused between calls).
         */
        void entry(long requestKey, long[] engineKeys, int engineCount, String endpoint, String tier);
    }

    /**
     * Visits every (request key, endpoint, tier) entry, least recently stored block first, with the engine keys of
     * each block. Calling {@link #add} on an empty index with every visit, in order, rebuilds an index that answers
     * {@link #longestPrefix} and {@link #requestKey} as this one did (for snapshots of a shared index).
     * <p>
     * The tables are copied under the read lock (a memory copy; readers are not held up, the writer waits for the
     * copy only), and the copy is walked after the lock is released, so the visitor may be slow.
     */
    public void export(ContentVisitor visitor) {
        Table t;
        long[] data;
        long[] engineData;
        int first;
        Slots s;
        Tiers tr;
        long stamp = lock.readLock();
        try {
            t = table;
            data = t.data.clone();
            engineData = engine.data.clone();
            first = head;
            s = slots;
            tr = tiers;
        } finally {
            lock.unlockRead(stamp);
        }
        Table copy = new Table(t.length, t.words, t.tiers, data);
        // Engine keys grouped by the block slot of their request key: a linked list through int arrays.
        int engineSlots = engineData.length / 2;
        int[] firstEngine = new int[copy.length];
        Arrays.fill(firstEngine, NIL);
        int[] nextEngine = new int[engineSlots];
        for (int i = 0; i < engineSlots; i++) {
            if (engineData[2 * i] == 0) {
                continue;
            }
            int at = find(copy, norm(engineData[2 * i + 1]));
            if (at >= 0) {
                nextEngine[i] = firstEngine[at];
                firstEngine[at] = i;
            }
        }
        long[] engineKeys = new long[8];
        int visited = 0;
        for (int at = first; at != NIL && visited++ < copy.length; at = copy.next(at)) {
            long key = copy.key(at);
            long requestKey = key == ZERO_KEY ? 0 : key;
            int engineCount = 0;
            for (int e = firstEngine[at]; e != NIL; e = nextEngine[e]) {
                if (engineCount == engineKeys.length) {
                    engineKeys = Arrays.copyOf(engineKeys, engineCount * 2);
                }
                engineKeys[engineCount++] = engineData[2 * e];
            }
            for (int k = 0; k < copy.tiers; k++) {
                for (int w = 0; w < copy.words; w++) {
                    long bits = data[copy.mask(at, k, w)];
                    while (bits != 0) {
                        int slot = w * 64 + Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        if (slot < s.names().length && s.names()[slot] != null) {
                            visitor.entry(requestKey, engineKeys, engineCount, s.names()[slot], tr.names()[k]);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ writing

    @Override
    public void add(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount, String endpoint,
            String tier) {
        if (requestCount <= 0) {
            return;
        }
        long stamp = lock.writeLock();
        try {
            int slot = slotFor(endpoint, true);
            int tierIndex = tierFor(tier, true);
            SpeculativeEntries sp = speculative;
            touch(requestKeys, requestCount, engineKeys, engineCount);
            for (int i = 0; i < requestCount; i++) {
                long key = norm(requestKeys[i]);
                Table t = table;
                int at = find(t, key);
                if (at < 0) {
                    at = insert(key);
                    t = table;
                } else {
                    moveToTail(t, at);
                }
                setBit(t, at, tierIndex, slot);
                if (sp != null) {
                    sp.confirm(key, slot);
                }
            }
            if (engineCount > 0) {
                mapEngineKeys(engineKeys, engineCount, requestKeys, requestCount);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Loads the home slot of every key before any is updated. The loads are independent, so the processor overlaps
     * their cache misses instead of taking them one after another inside the update loop (Java has no prefetch).
     */
    private void touch(long[] requestKeys, int requestCount, long[] engineKeys, int engineCount) {
        Table t = table;
        EngineMap m = engine;
        long sink = 0;
        for (int i = 0; i < requestCount; i++) {
            sink += t.data[home(norm(requestKeys[i]), t.length) * t.stride];
        }
        for (int i = 0; i < engineCount; i++) {
            sink += m.data[2 * home(norm(engineKeys[i]), m.length)];
        }
        touched = sink;
    }

    /** Keeps {@link #touch}'s loads from being optimised away. */
    @SuppressWarnings("unused")
    private long touched;

    @Override
    public void evict(long engineKey, String endpoint, String tier) {
        long stamp = lock.writeLock();
        try {
            Integer slot = slots.slotOf().get(endpoint);
            int tierIndex = tierFor(tier, false);
            long ek = norm(engineKey);
            long last = engineGet(engine, ek);
            if (last == NO_KEY) {
                return;
            }
            if (slot != null && tierIndex >= 0) {
                clearBitOf(last, tierIndex, slot);
                for (int j = 1;; j++) {
                    long other = engineGet(engine, derived(ek, j));
                    if (other == NO_KEY) {
                        break;
                    }
                    clearBitOf(other, tierIndex, slot);
                }
            }
            // Drop the mapping once none of its request keys is held anywhere (llm-d's rule).
            boolean held = find(table, norm(last)) >= 0;
            for (int j = 1; !held; j++) {
                long other = engineGet(engine, derived(ek, j));
                if (other == NO_KEY) {
                    break;
                }
                held = find(table, norm(other)) >= 0;
            }
            if (!held) {
                engineRemove(ek);
                for (int j = 1; engineRemove(derived(ek, j)); j++) {
                    // removes the derived keys in order until the first missing one
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public void addSpeculative(long[] requestKeys, int count, String endpoint, long expiresAtNanos) {
        if (count <= 0) {
            return;
        }
        long stamp = lock.writeLock();
        try {
            int slot = slotFor(endpoint, true);
            SpeculativeEntries sp = speculative;
            if (sp == null) {
                speculative = sp = new SpeculativeEntries(SpeculativeEntries.DEFAULT_MAX_ENTRIES);
            }
            Table t = table;
            int w = slot >>> 6;
            long bit = 1L << slot;
            for (int i = 0; i < count; i++) {
                long key = norm(requestKeys[i]);
                int at = find(t, key);
                if (at >= 0 && holds(t, at, w, bit)) {
                    continue; // already reported by the endpoint itself: nothing to predict
                }
                sp.put(key, slot, expiresAtNanos);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public boolean supportsSpeculativeEntries() {
        return true;
    }

    @Override
    public void expireSpeculative(long nowNanos) {
        SpeculativeEntries sp = speculative;
        if (sp == null || sp.nextDeadline() - nowNanos > 0) {
            return; // nothing due: no lock taken, so the check costs a scheduling cycle two volatile reads
        }
        long stamp = lock.writeLock();
        try {
            sp.expire(nowNanos);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public long speculativeCount() {
        long stamp = lock.readLock();
        try {
            SpeculativeEntries sp = speculative;
            return sp == null ? 0 : sp.size();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Speculative entries that lapsed without confirmation, and those a real store confirmed (for metrics). */
    public long[] speculativeOutcomes() {
        long stamp = lock.readLock();
        try {
            SpeculativeEntries sp = speculative;
            return sp == null ? new long[2] : new long[] { sp.expired(), sp.confirmed() };
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    public void clear(String endpoint) {
        long stamp = lock.writeLock();
        try {
            Integer slot = slots.slotOf().get(endpoint);
            if (slot != null) {
                clearSlot(slot);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public void removeEndpoint(String endpoint) {
        long stamp = lock.writeLock();
        try {
            Integer slot = slots.slotOf().get(endpoint);
            if (slot == null) {
                return;
            }
            clearSlot(slot);
            Slots s = slots;
            String[] names = s.names().clone();
            names[slot] = null;
            Map<String, Integer> slotOf = new HashMap<>(s.slotOf());
            slotOf.remove(endpoint);
            slots = new Slots(names, Map.copyOf(slotOf));
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private int slotFor(String endpoint, boolean create) {
        Slots s = slots;
        Integer slot = s.slotOf().get(endpoint);
        if (slot != null || !create) {
            return slot == null ? NIL : slot;
        }
        if (s.slotOf().size() >= config.maxEndpoints()) {
            throw new IllegalStateException("the KV block index tracks at most " + config.maxEndpoints()
                    + " endpoints; remove endpoints that left before adding " + endpoint);
        }
        String[] names = s.names();
        int free = 0;
        while (free < names.length && names[free] != null) {
            free++;
        }
        String[] grown = Arrays.copyOf(names, Math.max(names.length, free + 1));
        grown[free] = endpoint;
        Map<String, Integer> slotOf = new HashMap<>(s.slotOf());
        slotOf.put(endpoint, free);
        Table t = table;
        if (free >= t.words * 64) {
            rebuild(t.length, t.words + 1, t.tiers);
        }
        slots = new Slots(grown, Map.copyOf(slotOf));
        return free;
    }

    /** Index of a tier name (normalised like llm-d: lower case, empty means gpu); -1 if unknown and not created. */
    private int tierFor(String tier, boolean create) {
        String name = KvEvent.tierOf(tier);
        Tiers tr = tiers;
        String[] names = tr.names();
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        if (!create) {
            return NIL;
        }
        if (names.length >= MAX_TIERS) {
            throw new IllegalStateException("the KV block index tracks at most " + MAX_TIERS + " tiers "
                    + Arrays.toString(names) + "; got another: " + name);
        }
        String[] grownNames = Arrays.copyOf(names, names.length + 1);
        grownNames[names.length] = name;
        double[] weights = Arrays.copyOf(tr.weights(), names.length + 1);
        weights[names.length] = config.tierWeights().getOrDefault(name, UNKNOWN_TIER_WEIGHT);
        Table t = table;
        rebuild(t.length, t.words, grownNames.length);
        tiers = tiersOf(grownNames, weights);
        return names.length;
    }

    private static Tiers tiersOf(String[] names, double[] weights) {
        Integer[] order = new Integer[names.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(weights[b], weights[a]));
        int[] byWeight = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            byWeight[i] = order[i];
        }
        return new Tiers(names, weights, byWeight);
    }

    private void setBit(Table t, int at, int tierIndex, int slot) {
        int w = slot >>> 6;
        long bit = 1L << slot;
        if (!holds(t, at, w, bit)) {
            entries++;
        }
        t.data[t.mask(at, tierIndex, w)] |= bit;
    }

    private static boolean holds(Table t, int at, int w, long bit) {
        for (int k = 0; k < t.tiers; k++) {
            if ((t.data[t.mask(at, k, w)] & bit) != 0) {
                return true;
            }
        }
        return false;
    }

    private void clearBitOf(long requestKey, int tierIndex, int slot) {
        Table t = table;
        int at = find(t, norm(requestKey));
        if (at < 0) {
            return;
        }
        int w = slot >>> 6;
        long bit = 1L << slot;
        int index = t.mask(at, tierIndex, w);
        if ((t.data[index] & bit) == 0) {
            return;
        }
        t.data[index] &= ~bit;
        if (!holds(t, at, w, bit)) {
            entries--;
        }
        if (isEmpty(t, at)) {
            removeAt(t, at);
        }
    }

    private static boolean isEmpty(Table t, int at) {
        for (int i = t.mask(at, 0, 0), end = (at + 1) * t.stride; i < end; i++) {
            if (t.data[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void clearSlot(int slot) {
        SpeculativeEntries sp = speculative;
        if (sp != null) {
            sp.removeSlot(slot);
        }
        Table t = table;
        int w = slot >>> 6;
        long bit = 1L << slot;
        long[] emptied = new long[16];
        int emptiedCount = 0;
        for (int at = 0; at < t.length; at++) {
            if (t.key(at) == 0 || !holds(t, at, w, bit)) {
                continue;
            }
            entries--;
            for (int k = 0; k < t.tiers; k++) {
                t.data[t.mask(at, k, w)] &= ~bit;
            }
            if (isEmpty(t, at)) {
                if (emptiedCount == emptied.length) {
                    emptied = Arrays.copyOf(emptied, emptiedCount * 2);
                }
                emptied[emptiedCount++] = t.key(at);
            }
        }
        for (int i = 0; i < emptiedCount; i++) {
            int at = find(t, emptied[i]);
            if (at >= 0) {
                removeAt(t, at);
            }
        }
    }

    /** Inserts an absent key at the LRU tail, evicting the LRU head at capacity and growing the table as needed. */
    private int insert(long key) {
        if (size >= capacity()) {
            evictHead();
        }
        Table t = table;
        if (size + 1 > t.length * LOAD && t.length < fullLength) {
            rebuild((int) Math.min((long) t.length * 2, fullLength), t.words, t.tiers);
            t = table;
        }
        int i = home(key, t.length);
        while (t.key(i) != 0) {
            if (++i == t.length) {
                i = 0;
            }
        }
        t.data[i * t.stride] = key;
        linkTail(t, i);
        size++;
        return i;
    }

    private void evictHead() {
        Table t = table;
        int at = head;
        if (at == NIL) {
            return;
        }
        for (int w = 0; w < t.words; w++) {
            long union = 0;
            for (int k = 0; k < t.tiers; k++) {
                union |= t.data[t.mask(at, k, w)];
            }
            entries -= Long.bitCount(union);
        }
        removeAt(t, at);
        lruEvictions++;
    }

    /** Removes the entry at {@code at}: unlinks it and shifts the rest of its probe run back. */
    private void removeAt(Table t, int at) {
        unlink(t, at);
        size--;
        long[] data = t.data;
        int length = t.length;
        int stride = t.stride;
        int hole = at;
        int j = at;
        while (true) {
            if (++j == length) {
                j = 0;
            }
            long k = data[j * stride];
            if (k == 0) {
                break;
            }
            int h = home(k, length);
            // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!stays) {
                System.arraycopy(data, j * stride, data, hole * stride, stride);
                int p = t.prev(hole);
                int n = t.next(hole);
                if (p == NIL) {
                    head = hole;
                } else {
                    t.setNext(p, hole);
                }
                if (n == NIL) {
                    tail = hole;
                } else {
                    t.setPrev(n, hole);
                }
                hole = j;
            }
        }
        Arrays.fill(data, hole * stride, hole * stride + stride, 0L);
    }

    private void linkTail(Table t, int i) {
        t.data[i * t.stride + 1] = ((long) tail << 32) | (NIL & 0xFFFF_FFFFL);
        if (tail == NIL) {
            head = i;
        } else {
            t.setNext(tail, i);
        }
        tail = i;
    }

    private void unlink(Table t, int i) {
        int p = t.prev(i);
        int n = t.next(i);
        if (p == NIL) {
            head = n;
        } else {
            t.setNext(p, n);
        }
        if (n == NIL) {
            tail = p;
        } else {
            t.setPrev(n, p);
        }
    }

    private void moveToTail(Table t, int i) {
        if (tail != i) {
            unlink(t, i);
            linkTail(t, i);
        }
    }

    /** Rebuilds the block table with a new geometry, keeping LRU order. */
    private void rebuild(int length, int words, int tierCount) {
        Table old = table;
        Table t = new Table(length, words, tierCount);
        int oldHead = head;
        head = NIL;
        tail = NIL;
        for (int at = oldHead; at != NIL; at = old.next(at)) {
            long key = old.key(at);
            int i = home(key, length);
            while (t.key(i) != 0) {
                if (++i == length) {
                    i = 0;
                }
            }
            t.data[i * t.stride] = key;
            for (int k = 0; k < old.tiers; k++) {
                System.arraycopy(old.data, old.mask(at, k, 0), t.data, t.mask(i, k, 0), old.words);
            }
            linkTail(t, i);
        }
        table = t;
    }

    // ------------------------------------------------------------------------------------------ engine map

    private static long derived(long engineKey, int j) {
        long h = engineKey + j * 0xD6E8FEB86659FD93L;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 32;
        return norm(h);
    }

    private void mapEngineKeys(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount) {
        int n = Math.max(engineCount, requestCount);
        if (requestCount <= engineCount) {
            for (int i = 0; i < n; i++) {
                enginePut(norm(engineKeys[i]), requestKeys[(int) ((long) i * requestCount / n)]);
            }
            return;
        }
        // One engine key for several request keys: the last under the key itself, the others under derived keys.
        int i = 0;
        while (i < n) {
            int e = (int) ((long) i * engineCount / n);
            int start = i;
            while (i < n && (int) ((long) i * engineCount / n) == e) {
                i++;
            }
            long ek = norm(engineKeys[e]);
            enginePut(ek, requestKeys[i - 1]);
            for (int j = 1; j < i - start; j++) {
                enginePut(derived(ek, j), requestKeys[start + j - 1]);
            }
        }
    }

    private static long engineGet(EngineMap m, long key) {
        int length = m.length;
        long[] data = m.data;
        int i = home(key, length);
        for (int probes = 0; probes < length; probes++) {
            long k = data[2 * i];
            if (k == key) {
                return data[2 * i + 1];
            }
            if (k == 0) {
                return NO_KEY;
            }
            if (++i == length) {
                i = 0;
            }
        }
        return NO_KEY;
    }

    private void enginePut(long key, long value) {
        EngineMap m = engine;
        int i = home(key, m.length);
        while (m.data[2 * i] != 0) {
            if (m.data[2 * i] == key) {
                m.data[2 * i + 1] = value;
                return;
            }
            if (++i == m.length) {
                i = 0;
            }
        }
        if (engineSize + 1 > m.length * ENGINE_LOAD) {
            engineMakeRoom();
            enginePut(key, value);
            return;
        }
        m.data[2 * i] = key;
        m.data[2 * i + 1] = value;
        engineSize++;
    }

    private boolean engineRemove(long key) {
        EngineMap m = engine;
        int length = m.length;
        int i = home(key, length);
        long[] data = m.data;
        for (int probes = 0; probes < length; probes++) {
            long k = data[2 * i];
            if (k == 0) {
                return false;
            }
            if (k == key) {
                int hole = i;
                int j = i;
                while (true) {
                    if (++j == length) {
                        j = 0;
                    }
                    long kj = data[2 * j];
                    if (kj == 0) {
                        break;
                    }
                    int h = home(kj, length);
                    boolean stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
                    if (!stays) {
                        data[2 * hole] = kj;
                        data[2 * hole + 1] = data[2 * j + 1];
                        hole = j;
                    }
                }
                data[2 * hole] = 0;
                data[2 * hole + 1] = 0;
                engineSize--;
                return true;
            }
            if (++i == length) {
                i = 0;
            }
        }
        return false;
    }

    /**
     * Makes room in a full engine map: grow while below the size the block capacity calls for; beyond it, sweep
     * out entries whose request keys are gone. Pods with different hash seeds report different engine keys for the
     * same block, so live entries can outnumber blocks: when a sweep frees too little the map grows further, up to
     * {@value #ENGINE_KEYS_PER_BLOCK} engine keys per block of capacity, and only then drops every other entry.
     */
    private void engineMakeRoom() {
        int length = engine.length;
        if (length < engineFullLength) {
            engine = copyEngine(engine, (int) Math.min((long) length * 2, engineFullLength), false, false);
            return;
        }
        sweeps++;
        engine = copyEngine(engine, length, true, false);
        if (engineSize > length * ENGINE_LOAD * 0.8) {
            engine = length < engineMaxLength
                    ? copyEngine(engine, (int) Math.min((long) length * 2, engineMaxLength), false, false)
                    : copyEngine(engine, length, false, true);
        }
    }

    private EngineMap copyEngine(EngineMap old, int length, boolean dropDead, boolean thin) {
        Table t = table;
        EngineMap m = new EngineMap(length);
        int count = 0;
        int seen = 0;
        long sink = 0;
        for (int i = 0; i < old.length; i++) {
            if (dropDead && (i & 15) == 0) {
                // Load the next 16 entries' home slots first, so their cache misses overlap (see touch).
                for (int j = i, end = Math.min(i + 16, old.length); j < end; j++) {
                    if (old.data[2 * j] != 0) {
                        sink += t.data[home(norm(old.data[2 * j + 1]), t.length) * t.stride];
                    }
                }
            }
            long key = old.data[2 * i];
            if (key == 0) {
                continue;
            }
            long value = old.data[2 * i + 1];
            if (dropDead && find(t, norm(value)) < 0) {
                continue;
            }
            if (thin && (seen++ & 1) == 1) {
                continue;
            }
            int j = home(key, length);
            while (m.data[2 * j] != 0) {
                if (++j == length) {
                    j = 0;
                }
            }
            m.data[2 * j] = key;
            m.data[2 * j + 1] = value;
            count++;
        }
        engineSize = count;
        touched = sink;
        return m;
    }

    /** Engine map sweeps so far (for tests and diagnostics). */
    long sweeps() {
        return sweeps;
    }

    @Override
    public String toString() {
        return "InMemoryKvBlockIndex{blocks=" + size + ", entries=" + entries + ", engineKeys=" + engineSize
                + ", endpoints=" + slots.slotOf().size() + ", capacity=" + capacity() + "}";
    }
}
