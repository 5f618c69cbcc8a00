package io.quarkiverse.llmd.engine.prefix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.StampedLock;

/**
 * Which endpoints are believed to hold which prefix blocks: the shared state of the approximate prefix-cache
 * producer (reference scheduler-epp.md 3.5 steps 6 to 8). Every scheduling cycle reads it, every scheduled request
 * writes to it; it is thread-safe, bounded and allocation-light.
 *
 * <h2>Design</h2>
 * <ul>
 * <li><b>Pod slots.</b> Each endpoint name gets a small int slot (lowest free first, reused after removal). At most
 * {@code maxEndpoints} endpoints are tracked; adding one more drops the endpoint updated least recently. Slot
 * names live in an immutable snapshot replaced on every change (rare), which a {@link PrefixMatch} keeps, so a
 * match is one {@code int} per slot and nothing per endpoint name.</li>
 * <li><b>Global table: hash → pod set.</b> One open-addressing, linear-probing table of primitive {@code long}
 * keys. The pod set of a key is a bitmask of {@code W = ceil(slots / 64)} longs stored inline in a parallel
 * {@code long[]} (one word for pools of up to 64 endpoints). Key 0 marks an empty slot, so a block hash of 0 is
 * stored as {@link #ZERO_KEY} (one more 2<sup>-64</sup> collision). Deletion uses backward shifting (no
 * tombstones). A matching walk costs one probe per block hash and stops at the first hash no endpoint holds (and, given a
 * lazy {@link PrefixHasher.Chain}, hashes no block beyond it);
 * counts are accumulated per run of identical pod sets, so a prefix held by the same endpoints for many blocks
 * costs one bit scan per run, not per block.</li>
 * <li><b>Per-pod LRU.</b> Each slot owns a {@code PodBlocks}: an open-addressing {@code long} set whose entries
 * are also linked, through {@code int} prev/next arrays, in recency order (an intrusive LRU, no object per entry).
 * Its capacity is the endpoint's KV block count or the configured default. Evicting a hash from a pod clears the
 * pod's bit in the global table and removes the key when no bit is left. Memory: 16 bytes per slot at a load of at most 3/4, so
 * 21 to 43 bytes per (hash, pod) entry, plus 8 + 8W bytes per slot at a load of at most 0.6 in the global table
 * (27 to 53 bytes per distinct hash for W = 1).</li>
 * <li><b>Concurrency.</b> A {@link StampedLock}: matching runs under an optimistic read (no write to shared memory
 * at all), is validated, and is retried under the read lock when a writer interfered; updates and purges take the
 * write lock. Readers only dereference immutable {@code Table} snapshots and bound every loop, so a torn read
 * cannot throw or spin before validation rejects it.</li>
 * </ul>
 * The index owns no thread and no clock: removing endpoints that left the pool is the caller's job
 * ({@link #retainEndpoints}).
 */
public final class ApproximatePrefixIndex {

    /** Stand-in key for a block hash of 0, which marks empty table slots. */
    static final long ZERO_KEY = 0x5bd1e9955bd1e995L;
    /** Default bound on tracked endpoints. */
    public static final int DEFAULT_MAX_ENDPOINTS = 1024;

    private static final int MIN_TABLE = 1 << 10;

    /** Global table snapshot; arrays are mutated in place under the write lock, replaced on resize. */
    private static final class Table {
        final long[] keys;
        final long[] masks;
        final int words;

        Table(int capacity, int words) {
            this.keys = new long[capacity];
            this.masks = new long[capacity * words];
            this.words = words;
        }
    }

    private final StampedLock lock = new StampedLock();
    private final int maxEndpoints;

    private volatile Table table = new Table(MIN_TABLE, 1);
    private int tableSize;

    private volatile Slots slots = Slots.EMPTY;
    private PodBlocks[] pods = new PodBlocks[64];
    private long[] lastUpdate = new long[64];
    private long updates;

    public ApproximatePrefixIndex() {
        this(DEFAULT_MAX_ENDPOINTS);
    }

    /** @param maxEndpoints how many endpoints are tracked at most; the least recently updated one goes first */
    public ApproximatePrefixIndex(int maxEndpoints) {
        if (maxEndpoints <= 0) {
            throw new IllegalArgumentException("maxEndpoints must be > 0");
        }
        this.maxEndpoints = maxEndpoints;
    }

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Endpoint names by slot, immutable: replaced (copy on write) when an endpoint is added or removed, so that a
     * {@link PrefixMatch} can keep the snapshot its counts refer to.
     */
    static final class Slots {

        static final Slots EMPTY = new Slots(new String[64], Map.of());

        final String[] names;
        final Map<String, Integer> slotOf;

        Slots(String[] names, Map<String, Integer> slotOf) {
            this.names = names;
            this.slotOf = slotOf;
        }
    }

    /** {@link #match(PrefixHasher.Chain)} over already computed hashes {@code hashes[0, count)}. */
    public PrefixMatch match(long[] hashes, int count) {
        return match(PrefixHasher.of(hashes, count));
    }

    /**
     * Walks the chain from its first block: every endpoint holding a hash gets +1, and the walk stops at the first
     * hash no endpoint holds (llm-d's greedy longest-prefix walk; counts need not be contiguous per endpoint).
     * Blocks after that point are never hashed.
     */
    public PrefixMatch match(PrefixHasher.Chain chain) {
        if (chain.count() <= 0) {
            return PrefixMatch.EMPTY;
        }
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0L) {
            try {
                PrefixMatch result = walk(chain);
                if (lock.validate(stamp)) {
                    return result;
                }
            } catch (RuntimeException inconsistent) {
                // a torn optimistic read; retried under the read lock below
            }
        }
        stamp = lock.readLock();
        try {
            return walk(chain);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private PrefixMatch walk(PrefixHasher.Chain chain) {
        chain.reset();
        int count = chain.count();
        Slots snapshot = slots;
        Table t = table;
        long[] keys = t.keys;
        long[] masks = t.masks;
        int words = t.words;
        int mask = keys.length - 1;
        int[] perSlot = null;
        int runStart = -1; // table slot of the current run's pod set
        int run = 0;
        int depth = 0;
        for (int i = 0; i < count; i++) {
            int at = find(keys, mask, key(chain.next()));
            if (at < 0) {
                break;
            }
            depth++;
            if (runStart >= 0 && sameSet(masks, runStart, at, words)) {
                run++;
                continue;
            }
            if (runStart >= 0) {
                perSlot = flush(masks, runStart, words, run, perSlot);
            }
            runStart = at;
            run = 1;
        }
        if (runStart < 0) {
            return PrefixMatch.EMPTY;
        }
        perSlot = flush(masks, runStart, words, run, perSlot);
        int matched = 0;
        for (int s = 0; s < perSlot.length; s++) {
            if (perSlot[s] > 0) {
                matched++;
            }
        }
        return new PrefixMatch(snapshot, perSlot, matched, depth);
    }

    private static boolean sameSet(long[] masks, int a, int b, int words) {
        if (a == b) {
            return true;
        }
        int pa = a * words;
        int pb = b * words;
        for (int w = 0; w < words; w++) {
            if (masks[pa + w] != masks[pb + w]) {
                return false;
            }
        }
        return true;
    }

    private static int[] flush(long[] masks, int at, int words, int run, int[] perSlot) {
        if (perSlot == null) {
            perSlot = new int[words * 64];
        }
        int base = at * words;
        for (int w = 0; w < words && w * 64 < perSlot.length; w++) {
            long bits = masks[base + w];
            while (bits != 0) {
                perSlot[w * 64 + Long.numberOfTrailingZeros(bits)] += run;
                bits &= bits - 1;
            }
        }
        return perSlot;
    }

    /** Table slot of {@code key}, or -1; bounded so that it terminates on a torn read. */
    private static int find(long[] keys, int mask, long key) {
        int i = home(key, mask);
        for (int probes = 0; probes <= mask; probes++) {
            long k = keys[i];
            if (k == key) {
                return i;
            }
            if (k == 0L) {
                return -1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private static int home(long key, int mask) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    static long key(long hash) {
        return hash == 0L ? ZERO_KEY : hash;
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Records that {@code endpoint} now holds the blocks {@code hashes[0, count)} of a request it was sent. The
     * hashes are inserted last block first, so the request's first block is the most recently used: under LRU
     * pressure a pod loses the tails of old prompts before their heads, which keeps their prefixes matchable.
     *
     * @param capacity the endpoint's LRU capacity in blocks (shrinking it evicts at once)
     */
    public void add(String endpoint, int capacity, long[] hashes, int count) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        long stamp = lock.writeLock();
        try {
            int slot = slotFor(endpoint);
            PodBlocks pod = pods[slot];
            lastUpdate[slot] = ++updates;
            pod.capacity = capacity;
            while (pod.size > capacity) {
                clearBit(pod.evictOldest(), slot);
            }
            for (int i = count - 1; i >= 0; i--) {
                long key = key(hashes[i]);
                if (pod.touch(key)) {
                    setBit(key, slot);
                    if (pod.size > capacity) {
                        clearBit(pod.evictOldest(), slot);
                    }
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Forgets every endpoint whose name is not in {@code present} (pods that left the pool). */
    public void retainEndpoints(Set<String> present) {
        long stamp = lock.writeLock();
        try {
            String[] names = slots.names;
            boolean removed = false;
            for (int s = 0; s < names.length; s++) {
                if (names[s] != null && !present.contains(names[s])) {
                    clearPod(s);
                    removed = true;
                }
            }
            if (removed) {
                publishSlots();
                maybeShrink();
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Forgets one endpoint. */
    public void removeEndpoint(String endpoint) {
        long stamp = lock.writeLock();
        try {
            Integer slot = slots.slotOf.get(endpoint);
            if (slot != null) {
                clearPod(slot);
                publishSlots();
                maybeShrink();
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Forgets everything. */
    public void clear() {
        long stamp = lock.writeLock();
        try {
            slots = Slots.EMPTY;
            pods = new PodBlocks[64];
            lastUpdate = new long[64];
            table = new Table(MIN_TABLE, 1);
            tableSize = 0;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private int slotFor(String endpoint) {
        Integer existing = slots.slotOf.get(endpoint);
        if (existing != null) {
            return existing;
        }
        if (slots.slotOf.size() >= maxEndpoints) {
            int oldest = -1;
            for (int s = 0; s < pods.length; s++) {
                if (pods[s] != null && (oldest < 0 || lastUpdate[s] < lastUpdate[oldest])) {
                    oldest = s;
                }
            }
            clearPod(oldest);
        }
        int slot = 0;
        while (slot < pods.length && pods[slot] != null) {
            slot++;
        }
        if (slot == pods.length) {
            int grown = pods.length * 2;
            pods = Arrays.copyOf(pods, grown);
            lastUpdate = Arrays.copyOf(lastUpdate, grown);
        }
        if (slot >= table.words * 64) {
            rehash(table.keys.length, slot / 64 + 1);
        }
        PodBlocks pod = new PodBlocks();
        pod.name = endpoint;
        pods[slot] = pod;
        publishSlots();
        return slot;
    }

    /** Drops every block of a pod and frees its slot; {@link #publishSlots()} must follow. */
    private void clearPod(int slot) {
        PodBlocks pod = pods[slot];
        long[] podKeys = pod.keys;
        for (int i = 0; i < podKeys.length; i++) {
            if (podKeys[i] != 0L) {
                clearBit(podKeys[i], slot);
            }
        }
        pods[slot] = null;
        lastUpdate[slot] = 0;
    }

    /** Publishes a new immutable name snapshot after slots changed. */
    private void publishSlots() {
        String[] names = new String[pods.length];
        Map<String, Integer> slotOf = new HashMap<>();
        for (int s = 0; s < pods.length; s++) {
            if (pods[s] != null) {
                names[s] = pods[s].name;
                slotOf.put(pods[s].name, s);
            }
        }
        slots = new Slots(names, slotOf);
    }

    private void setBit(long key, int slot) {
        Table t = table;
        int mask = t.keys.length - 1;
        int at = find(t.keys, mask, key);
        if (at < 0) {
            if ((tableSize + 1) * 10L > t.keys.length * 6L) {
                rehash(t.keys.length * 2, t.words);
                t = table;
                mask = t.keys.length - 1;
            }
            at = home(key, mask);
            while (t.keys[at] != 0L) {
                at = (at + 1) & mask;
            }
            t.keys[at] = key;
            tableSize++;
        }
        t.masks[at * t.words + (slot >>> 6)] |= 1L << slot;
    }

    private void clearBit(long key, int slot) {
        Table t = table;
        int mask = t.keys.length - 1;
        int at = find(t.keys, mask, key);
        if (at < 0) {
            return;
        }
        int words = t.words;
        int base = at * words;
        t.masks[base + (slot >>> 6)] &= ~(1L << slot);
        for (int w = 0; w < words; w++) {
            if (t.masks[base + w] != 0L) {
                return;
            }
        }
        deleteAt(t, at);
        tableSize--;
    }

    /** Removes the entry at {@code hole} by shifting later members of its probe run back (no tombstones). */
    private static void deleteAt(Table t, int hole) {
        long[] keys = t.keys;
        long[] masks = t.masks;
        int words = t.words;
        int mask = keys.length - 1;
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            long k = keys[j];
            if (k == 0L) {
                break;
            }
            int h = home(k, mask);
            // k may move into the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
            if (!stays) {
                keys[hole] = k;
                System.arraycopy(masks, j * words, masks, hole * words, words);
                hole = j;
            }
        }
        keys[hole] = 0L;
        Arrays.fill(masks, hole * words, hole * words + words, 0L);
    }

    private void rehash(int capacity, int words) {
        Table old = table;
        Table fresh = new Table(capacity, words);
        int mask = capacity - 1;
        int copy = Math.min(words, old.words);
        for (int i = 0; i < old.keys.length; i++) {
            long k = old.keys[i];
            if (k == 0L) {
                continue;
            }
            int at = home(k, mask);
            while (fresh.keys[at] != 0L) {
                at = (at + 1) & mask;
            }
            fresh.keys[at] = k;
            System.arraycopy(old.masks, i * old.words, fresh.masks, at * words, copy);
        }
        table = fresh;
    }

    private void maybeShrink() {
        int capacity = table.keys.length;
        if (capacity > MIN_TABLE && tableSize * 10L < capacity * 1L) {
            int target = MIN_TABLE;
            while (tableSize * 10L > target * 3L) {
                target <<= 1;
            }
            rehash(target, table.words);
        }
    }

    // ------------------------------------------------------------------------------------------ introspection

    /** Distinct block hashes held by at least one endpoint. */
    public int size() {
        long stamp = lock.readLock();
        try {
            return tableSize;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Blocks tracked per endpoint, sorted by name. */
    public Map<String, Integer> blocksPerEndpoint() {
        long stamp = lock.readLock();
        try {
            Map<String, Integer> out = new TreeMap<>();
            for (Map.Entry<String, Integer> e : slots.slotOf.entrySet()) {
                out.put(e.getKey(), pods[e.getValue()].size);
            }
            return out;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** The tracked endpoint names. */
    public List<String> endpoints() {
        long stamp = lock.readLock();
        try {
            return new ArrayList<>(new TreeMap<>(slots.slotOf).keySet());
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Whether {@code endpoint} holds the block hash (for tests and debugging). */
    public boolean holds(String endpoint, long hash) {
        long stamp = lock.readLock();
        try {
            Integer slot = slots.slotOf.get(endpoint);
            if (slot == null) {
                return false;
            }
            Table t = table;
            int at = find(t.keys, t.keys.length - 1, key(hash));
            return at >= 0 && (t.masks[at * t.words + (slot >>> 6)] & (1L << slot)) != 0;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Internal consistency check for tests: global bits and per-pod LRUs describe the same pairs. */
    void checkInvariants() {
        long stamp = lock.readLock();
        try {
            Table t = table;
            long pairs = 0;
            int keysSeen = 0;
            for (int i = 0; i < t.keys.length; i++) {
                if (t.keys[i] == 0L) {
                    continue;
                }
                keysSeen++;
                if (find(t.keys, t.keys.length - 1, t.keys[i]) != i) {
                    throw new IllegalStateException("key unreachable by probing at " + i);
                }
                boolean any = false;
                for (int w = 0; w < t.words; w++) {
                    long bits = t.masks[i * t.words + w];
                    any |= bits != 0;
                    while (bits != 0) {
                        int s = w * 64 + Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        if (s >= pods.length || pods[s] == null || !pods[s].contains(t.keys[i])) {
                            throw new IllegalStateException("bit for slot " + s + " without LRU entry");
                        }
                        pairs++;
                    }
                }
                if (!any) {
                    throw new IllegalStateException("key without pods at " + i);
                }
            }
            if (keysSeen != tableSize) {
                throw new IllegalStateException("size " + tableSize + " but " + keysSeen + " keys");
            }
            long podPairs = 0;
            for (PodBlocks pod : pods) {
                if (pod != null) {
                    pod.check();
                    podPairs += pod.size;
                    if (pod.size > pod.capacity && pod.capacity > 0) {
                        throw new IllegalStateException("pod over capacity");
                    }
                }
            }
            if (podPairs != pairs) {
                throw new IllegalStateException(podPairs + " LRU entries but " + pairs + " bits");
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * One endpoint's blocks: an open-addressing set of non-zero {@code long} keys whose entries are doubly linked
     * in recency order through {@code prev}/{@code next} slot indices ({@code head} = most recent). Backward-shift
     * deletion moves entries, and their neighbours' links follow.
     */
    static final class PodBlocks {

        private static final int NIL = -1;

        long[] keys = new long[64];
        int[] prev = new int[64];
        int[] next = new int[64];
        int head = NIL;
        int tail = NIL;
        int size;
        int capacity;
        String name;

        boolean contains(long key) {
            return slotOf(key) >= 0;
        }

        /** Marks the key most recently used; returns true when it was not present. */
        boolean touch(long key) {
            int at = slotOf(key);
            if (at >= 0) {
                if (at != head) {
                    unlink(at);
                    linkFirst(at);
                }
                return false;
            }
            if ((size + 1) * 4L > keys.length * 3L) {
                grow();
            }
            int mask = keys.length - 1;
            at = home(key, mask);
            while (keys[at] != 0L) {
                at = (at + 1) & mask;
            }
            keys[at] = key;
            linkFirst(at);
            size++;
            return true;
        }

        /** Removes and returns the least recently used key. */
        long evictOldest() {
            int at = tail;
            long key = keys[at];
            unlink(at);
            size--;
            int mask = keys.length - 1;
            int hole = at;
            int j = hole;
            while (true) {
                j = (j + 1) & mask;
                long k = keys[j];
                if (k == 0L) {
                    break;
                }
                int h = home(k, mask);
                boolean stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
                if (!stays) {
                    move(j, hole);
                    hole = j;
                }
            }
            keys[hole] = 0L;
            return key;
        }

        private void move(int from, int to) {
            keys[to] = keys[from];
            int p = prev[from];
            int n = next[from];
            prev[to] = p;
            next[to] = n;
            if (p == NIL) {
                head = to;
            } else {
                next[p] = to;
            }
            if (n == NIL) {
                tail = to;
            } else {
                prev[n] = to;
            }
        }

        private int slotOf(long key) {
            int mask = keys.length - 1;
            int i = home(key, mask);
            while (true) {
                long k = keys[i];
                if (k == key) {
                    return i;
                }
                if (k == 0L) {
                    return -1;
                }
                i = (i + 1) & mask;
            }
        }

        private void unlink(int at) {
            int p = prev[at];
            int n = next[at];
            if (p == NIL) {
                head = n;
            } else {
                next[p] = n;
            }
            if (n == NIL) {
                tail = p;
            } else {
                prev[n] = p;
            }
        }

        private void linkFirst(int at) {
            prev[at] = NIL;
            next[at] = head;
            if (head != NIL) {
                prev[head] = at;
            }
            head = at;
            if (tail == NIL) {
                tail = at;
            }
        }

        private void grow() {
            long[] oldKeys = keys;
            int[] oldPrev = prev;
            int cursor = tail;
            int capacity = oldKeys.length * 2;
            keys = new long[capacity];
            prev = new int[capacity];
            next = new int[capacity];
            head = NIL;
            tail = NIL;
            int mask = capacity - 1;
            // re-insert oldest first so that the most recent ends up at the head again
            while (cursor != NIL) {
                long key = oldKeys[cursor];
                int at = home(key, mask);
                while (keys[at] != 0L) {
                    at = (at + 1) & mask;
                }
                keys[at] = key;
                linkFirst(at);
                cursor = oldPrev[cursor];
            }
        }

        /** Keys from most to least recently used (tests). */
        long[] recency() {
            long[] out = new long[size];
            int i = 0;
            for (int at = head; at != NIL; at = next[at]) {
                out[i++] = keys[at];
            }
            return out;
        }

        void check() {
            int n = 0;
            int last = NIL;
            for (int at = head; at != NIL; at = next[at]) {
                if (prev[at] != last || keys[at] == 0L || slotOf(keys[at]) != at) {
                    throw new IllegalStateException("broken LRU link at " + at);
                }
                last = at;
                if (++n > size) {
                    throw new IllegalStateException("LRU cycle");
                }
            }
            if (n != size || last != tail) {
                throw new IllegalStateException("LRU has " + n + " entries, size " + size);
            }
        }
    }
}
