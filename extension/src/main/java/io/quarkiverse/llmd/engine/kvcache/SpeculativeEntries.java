package io.quarkiverse.llmd.engine.kvcache;

/**
 * The speculative side of an {@link InMemoryKvBlockIndex}: (request key, endpoint slot) pairs a scheduler predicted
 * after routing a request, each with the deadline at which it lapses unless the endpoint's own KV events confirm it
 * first (llm-d's {@code speculativeIndexing}).
 * <p>
 * Why a side table rather than one more tier in the block table: a tier costs one mask word in every slot of the
 * block table, speculation or not, which would push the per-entry footprint past its budget; speculative entries
 * are few (what the routed requests of the last TTL brought) and each needs its own deadline, so that two requests
 * with the same prefix to the same endpoint keep the entry alive until the later one's TTL.
 * <p>
 * Layout: a pair table, open addressing over the request key with linear probing, interleaved
 * {@code [key, slot, deadline]} per pair, which the writer keeps the deadlines in; a mask table, request key to the
 * bitmask of endpoint slots 0-63 holding it, which is what lookups read (one short probe per block, however many
 * endpoints predicted it; slots 64 and up are looked up in the pair table, only while any exists); and a FIFO of
 * the pairs' triples in insertion order. The TTL is one constant per index owner and its clock does
 * not go back, so insertion order is deadline order and expiry pops the FIFO's head (a deadline queued behind a
 * later one would lapse with that one); a record whose entry was since refreshed, confirmed or purged finds a
 * different deadline, or nothing, and is skipped.
 * <p>
 * Not thread-safe: the owning index writes under its write lock and reads under its optimistic stamp, so every
 * read loop is bounded and every value read is range-checked before use (a torn read is discarded on validation).
 */
final class SpeculativeEntries {

    /** Entries kept at most; at the bound the oldest is expired early, so a burst cannot grow it further. */
    static final int DEFAULT_MAX_ENTRIES = 1 << 18;
    private static final int MIN_LENGTH = 256;
    private static final double LOAD = 0.5;

    /** The probe table; replaced whole when it grows. */
    private static final class Table {
        final long[] data;
        final int length;

        Table(int length) {
            this.length = length;
            this.data = new long[3 * length];
        }
    }

    /**
     * What lookups read: request key to the bitmask of endpoint slots 0-63 predicted to hold it, interleaved
     * {@code [key, mask]}, one entry per key, so a lookup costs one short probe per block however many endpoints
     * predicted it. Pairs of slots 64 and up (pools beyond 64 endpoints) are found in the pair table instead.
     */
    private static final class Masks {
        final long[] data;
        final int length;

        Masks(int length) {
            this.length = length;
            this.data = new long[2 * length];
        }
    }

    private final int maxEntries;
    private volatile Table table = new Table(MIN_LENGTH);
    private volatile Masks masks = new Masks(MIN_LENGTH);
    private int maskSize;
    /** Pairs whose slot is 64 or more; while there are none, lookups read the mask table only. */
    private volatile int highPairs;
    private int size;
    private long[] fifo = new long[3 * MIN_LENGTH];
    private int fifoHead;
    private int fifoCount;
    /** Deadline of the FIFO's head, {@link Long#MAX_VALUE} when empty: lets callers skip the lock when nothing is due. */
    private volatile long nextDeadline = Long.MAX_VALUE;
    private long expired;
    private long confirmed;

    SpeculativeEntries(int maxEntries) {
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be > 0, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    int size() {
        return size;
    }

    long nextDeadline() {
        return nextDeadline;
    }

    /** Entries that lapsed (TTL, or pushed out at the bound). */
    long expired() {
        return expired;
    }

    /** Entries a real store of the same block on the same endpoint replaced. */
    long confirmed() {
        return confirmed;
    }

    // ------------------------------------------------------------------------------------------ reading

    /**
     * Sets in {@code mask} the bit of every endpoint slot holding {@code key} speculatively (slots beyond the mask
     * are ignored); returns whether any bit was set. Safe under a racing writer (bounded, range-checked).
     */
    boolean orInto(long key, long[] mask, int words) {
        boolean any = false;
        Masks m = masks;
        long[] md = m.data;
        int ml = m.length;
        int j = InMemoryKvBlockIndex.home(key, ml);
        for (int probes = 0; probes < ml; probes++) {
            long k = md[2 * j];
            if (k == 0) {
                break;
            }
            if (k == key) {
                long bits = md[2 * j + 1];
                if (bits != 0 && words > 0) {
                    mask[0] |= bits;
                    any = true;
                }
                break;
            }
            if (++j == ml) {
                j = 0;
            }
        }
        return highPairs > 0 ? orHighSlots(key, mask, words) || any : any;
    }

    /** The pairs of slots 64 and up, from the pair table. */
    private boolean orHighSlots(long key, long[] mask, int words) {
        Table t = table;
        long[] data = t.data;
        int length = t.length;
        int i = InMemoryKvBlockIndex.home(key, length);
        boolean any = false;
        for (int probes = 0; probes < length; probes++) {
            long k = data[3 * i];
            if (k == 0) {
                break;
            }
            if (k == key) {
                long slot = data[3 * i + 1];
                if (slot >= 64 && slot < (long) words * 64) {
                    mask[(int) (slot >>> 6)] |= 1L << slot;
                    any = true;
                }
            }
            if (++i == length) {
                i = 0;
            }
        }
        return any;
    }

    // ------------------------------------------------------------------------------------------ writing

    /** Records (or refreshes) {@code slot} holding {@code key} until {@code deadline}. */
    void put(long key, int slot, long deadline) {
        while (size >= maxEntries && fifoCount > 0) {
            popOldest(true);
        }
        Table t = table;
        int at = indexOf(t, key, slot);
        if (at >= 0) {
            t.data[3 * at + 2] = deadline;
        } else {
            if (size + 1 > t.length * LOAD) {
                grow();
                t = table;
            }
            int i = InMemoryKvBlockIndex.home(key, t.length);
            while (t.data[3 * i] != 0) {
                if (++i == t.length) {
                    i = 0;
                }
            }
            t.data[3 * i + 1] = slot;
            t.data[3 * i + 2] = deadline;
            t.data[3 * i] = key;
            size++;
            if (slot < 64) {
                maskSet(key, 1L << slot);
            } else {
                highPairs++;
            }
        }
        enqueue(key, slot, deadline);
    }

    /** A real store confirmed the pair: the speculative entry is no longer needed. */
    void confirm(long key, int slot) {
        if (size > 0 && remove(table, key, slot)) {
            confirmed++;
        }
    }

    /** Drops every entry whose deadline is at or before {@code now}; returns how many. */
    int expire(long now) {
        int dropped = 0;
        while (fifoCount > 0 && fifo[3 * fifoHead + 2] - now <= 0) {
            if (popOldest(false)) {
                dropped++;
            }
        }
        return dropped;
    }

    /** Drops every entry of an endpoint slot (the endpoint was cleared or left; its slot may be reused). */
    void removeSlot(int slot) {
        if (size == 0) {
            return;
        }
        Table t = table;
        // Collect first: removal shifts entries back, which would make a single forward scan skip some.
        long[] keys = new long[16];
        int count = 0;
        for (int i = 0; i < t.length; i++) {
            if (t.data[3 * i] != 0 && t.data[3 * i + 1] == slot) {
                if (count == keys.length) {
                    keys = java.util.Arrays.copyOf(keys, count * 2);
                }
                keys[count++] = t.data[3 * i];
            }
        }
        for (int i = 0; i < count; i++) {
            remove(t, keys[i], slot);
        }
    }

    /** Pops the FIFO's head; removes its entry when still current (or always, when {@code force}). */
    private boolean popOldest(boolean force) {
        int at = 3 * fifoHead;
        long key = fifo[at];
        int slot = (int) fifo[at + 1];
        long deadline = fifo[at + 2];
        fifoHead = (fifoHead + 1) % (fifo.length / 3);
        fifoCount--;
        nextDeadline = fifoCount == 0 ? Long.MAX_VALUE : fifo[3 * fifoHead + 2];
        Table t = table;
        int i = indexOf(t, key, slot);
        if (i >= 0 && (force || t.data[3 * i + 2] == deadline)) {
            remove(t, key, slot);
            expired++;
            return true;
        }
        return false;
    }

    private void enqueue(long key, int slot, long deadline) {
        int capacity = fifo.length / 3;
        if (fifoCount == capacity) {
            if (capacity >= 2 * maxEntries) {
                popOldest(true); // refreshes outnumber entries: the oldest record goes, with its entry if current
            } else {
                long[] grown = new long[3 * Math.min(capacity * 2, 2 * maxEntries)];
                for (int j = 0; j < fifoCount; j++) {
                    System.arraycopy(fifo, 3 * ((fifoHead + j) % capacity), grown, 3 * j, 3);
                }
                fifo = grown;
                fifoHead = 0;
            }
            capacity = fifo.length / 3;
        }
        int at = 3 * ((fifoHead + fifoCount) % capacity);
        fifo[at] = key;
        fifo[at + 1] = slot;
        fifo[at + 2] = deadline;
        if (fifoCount++ == 0) {
            nextDeadline = deadline;
        }
    }

    private static int indexOf(Table t, long key, int slot) {
        int i = InMemoryKvBlockIndex.home(key, t.length);
        for (int probes = 0; probes < t.length; probes++) {
            long k = t.data[3 * i];
            if (k == 0) {
                return -1;
            }
            if (k == key && t.data[3 * i + 1] == slot) {
                return i;
            }
            if (++i == t.length) {
                i = 0;
            }
        }
        return -1;
    }

    /** Removes the pair and shifts the rest of its probe run back (no tombstones). */
    private boolean remove(Table t, long key, int slot) {
        int at = indexOf(t, key, slot);
        if (at < 0) {
            return false;
        }
        long[] data = t.data;
        int length = t.length;
        int hole = at;
        int j = at;
        while (true) {
            if (++j == length) {
                j = 0;
            }
            long k = data[3 * j];
            if (k == 0) {
                break;
            }
            int h = InMemoryKvBlockIndex.home(k, length);
            boolean stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!stays) {
                // Key last, so that a racing reader never sees the key with the slot of another entry for long.
                data[3 * hole + 1] = data[3 * j + 1];
                data[3 * hole + 2] = data[3 * j + 2];
                data[3 * hole] = k;
                hole = j;
            }
        }
        data[3 * hole] = 0;
        data[3 * hole + 1] = 0;
        data[3 * hole + 2] = 0;
        size--;
        if (slot < 64) {
            maskClear(key, 1L << slot);
        } else {
            highPairs--;
        }
        return true;
    }

    private void maskSet(long key, long bit) {
        Masks m = masks;
        int i = InMemoryKvBlockIndex.home(key, m.length);
        while (m.data[2 * i] != 0) {
            if (m.data[2 * i] == key) {
                m.data[2 * i + 1] |= bit;
                return;
            }
            if (++i == m.length) {
                i = 0;
            }
        }
        if (maskSize + 1 > m.length * LOAD) {
            growMasks();
            maskSet(key, bit);
            return;
        }
        m.data[2 * i + 1] = bit;
        m.data[2 * i] = key;
        maskSize++;
    }

    /** Clears the bit; drops the key's entry (shifting its probe run back) once no slot is left. */
    private void maskClear(long key, long bit) {
        Masks m = masks;
        long[] data = m.data;
        int length = m.length;
        int at = InMemoryKvBlockIndex.home(key, length);
        for (int probes = 0;; probes++) {
            if (probes == length || data[2 * at] == 0) {
                return;
            }
            if (data[2 * at] == key) {
                break;
            }
            if (++at == length) {
                at = 0;
            }
        }
        data[2 * at + 1] &= ~bit;
        if (data[2 * at + 1] != 0) {
            return;
        }
        int hole = at;
        int j = at;
        while (true) {
            if (++j == length) {
                j = 0;
            }
            long k = data[2 * j];
            if (k == 0) {
                break;
            }
            int h = InMemoryKvBlockIndex.home(k, length);
            boolean stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (!stays) {
                data[2 * hole + 1] = data[2 * j + 1];
                data[2 * hole] = k;
                hole = j;
            }
        }
        data[2 * hole] = 0;
        data[2 * hole + 1] = 0;
        maskSize--;
    }

    private void growMasks() {
        Masks old = masks;
        int length = old.length * 2;
        Masks m = new Masks(length);
        for (int i = 0; i < old.length; i++) {
            long key = old.data[2 * i];
            if (key == 0) {
                continue;
            }
            int j = InMemoryKvBlockIndex.home(key, length);
            while (m.data[2 * j] != 0) {
                if (++j == length) {
                    j = 0;
                }
            }
            m.data[2 * j] = key;
            m.data[2 * j + 1] = old.data[2 * i + 1];
        }
        masks = m;
    }

    private void grow() {
        Table old = table;
        int length = old.length * 2;
        Table t = new Table(length);
        for (int i = 0; i < old.length; i++) {
            long key = old.data[3 * i];
            if (key == 0) {
                continue;
            }
            int j = InMemoryKvBlockIndex.home(key, length);
            while (t.data[3 * j] != 0) {
                if (++j == length) {
                    j = 0;
                }
            }
            System.arraycopy(old.data, 3 * i, t.data, 3 * j, 3);
        }
        table = t;
    }

    /** Heap held by the arrays, in bytes. */
    long arrayBytes() {
        return 16L + 8L * table.data.length + 16L + 8L * masks.data.length + 16L + 8L * fifo.length;
    }
}
