package io.quarkiverse.llmd.engine.kvcache;

/**
 * Which endpoints hold which KV blocks, learned from the engines' KV events (reference kvcache-and-sim.md A3.2):
 * request keys (llm-d's block keys computed from tokens, {@link BlockKeyHasher}) map to the endpoints holding them
 * and the device tier ({@code gpu}, {@code cpu}, ...) they hold them on; engine keys (the opaque hashes in events)
 * map to request keys so that evictions and parent references in later events can be resolved.
 * <p>
 * Implementations are bounded, safe for one writer and any number of concurrent readers, and never block a reader
 * on I/O: a shared backend (Redis, in the runtime) must answer {@link #longestPrefix} from local state. The
 * behaviour every backend must show is pinned down by the shared contract test suite.
 */
public interface KvBlockIndex {

    /** llm-d's "no key" sentinel: what {@link #requestKey} returns for an unknown engine key. */
    long NO_KEY = 0L;

    /**
     * Records that {@code endpoint} holds {@code requestKeys[0, requestCount)} on {@code tier}, and maps the engine
     * keys to them. Engine and request keys pair up by their length ratio as in llm-d: with
     * {@code n = max(E, R)}, pair {@code i < n} is {@code (engineKeys[i*E/n], requestKeys[i*R/n])}, so several
     * small engine blocks can map to one request key and one large engine block to several.
     *
     * @param engineKeys engine keys of the same blocks, or an empty range for entries without engine keys
     */
    void add(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount, String endpoint, String tier);

    /**
     * A BlockRemoved: {@code endpoint} no longer holds the blocks of {@code engineKey} on {@code tier}. An unknown
     * engine key is ignored. The engine key's mapping is dropped once no endpoint holds any of its request keys.
     */
    void evict(long engineKey, String endpoint, String tier);

    /** The request key an engine key maps to (the last one when it maps to several), or {@link #NO_KEY}. */
    long requestKey(long engineKey);

    /** An AllBlocksCleared: {@code endpoint} holds nothing any more, on any tier. */
    void clear(String endpoint);

    /** The endpoint left the pool: forget it entirely. */
    void removeEndpoint(String endpoint);

    /**
     * For each endpoint, the run of leading keys of {@code requestKeys[0, count)} it holds on any tier, stopping at
     * its first missing key; lookups do not change recency.
     */
    KvPrefixMatch longestPrefix(long[] requestKeys, int count);

    /**
     * {@link #longestPrefix(long[], int)} over a chain hashed on demand: a backend asks for a block's key only once
     * some endpoint held every block before it, so a prompt is hashed only as far as any endpoint's prefix reaches
     * (plus what the chain hashes ahead, {@link BlockKeyChain#key}). This default hashes the whole chain first.
     */
    default KvPrefixMatch longestPrefix(BlockKeyChain chain) {
        return longestPrefix(chain.keys(), chain.count());
    }

    /**
     * Speculative indexing (llm-d's {@code speculativeIndexing}): right after routing a request to {@code endpoint},
     * records that the endpoint will hold {@code requestKeys[0, count)}, before its KV events say so. A speculative
     * entry scores like a real one (under the {@code speculative} tier's weight, 1.0 by default); it lapses at
     * {@code expiresAtNanos} ({@link #expireSpeculative}) unless a real {@link #add} of the same key for the same
     * endpoint confirms it first, and goes with the endpoint on {@link #clear} and {@link #removeEndpoint}. Keys
     * the endpoint already reported are left as they are. Speculative entries have no engine keys, never count in
     * {@link #blockCount} or {@link #entryCount}, and are bounded (the oldest lapses early at the bound).
     *
     * @param expiresAtNanos the deadline, on the caller's clock (the index has none)
     * @throws UnsupportedOperationException when the backend cannot keep speculative entries
     */
    default void addSpeculative(long[] requestKeys, int count, String endpoint, long expiresAtNanos) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no speculative entries");
    }

    /** Whether {@link #addSpeculative} is supported (checked when a plugin that speculates is configured). */
    default boolean supportsSpeculativeEntries() {
        return false;
    }

    /** Drops the speculative entries whose deadline is at or before {@code nowNanos} (the caller's clock). */
    default void expireSpeculative(long nowNanos) {
    }

    /** Number of live speculative (request key, endpoint) entries. */
    default long speculativeCount() {
        return 0;
    }

    /** Number of request keys held by at least one endpoint. */
    long blockCount();

    /** Number of (request key, endpoint) pairs, counting an endpoint once however many tiers it holds a key on. */
    long entryCount();
}
