package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventConsumer;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventSettings;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyChain;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;
import io.quarkiverse.llmd.engine.kvcache.KvPrefixMatch;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheParameters.Resolved;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * {@code precise-prefix-cache-producer}: prefix-cache matches from what the engines report holding (their KV
 * events), rather than from where this scheduler sent earlier requests. Before scheduling it turns the request's
 * tokens ({@link TokenizedPrompt#KEY}, from {@code token-producer}) into llm-d's block keys for the target model,
 * with the request's {@code cache_salt} on block 0, and looks up the longest consecutive prefix each endpoint
 * holds in the {@link KvBlockIndex} (keys of a prefix shared with a recent prompt on the same thread are reused, see
 * {@link BlockKeyHasher#chainReusing}; the others are hashed as the lookup reaches them). The result goes under this
 * instance's own data key, which {@code prefix-cache-scorer} reads when its {@code prefixMatchInfoProducerName} names
 * this plugin.
 * <p>
 * An endpoint's entries are found under its address ({@code ip:port}), its host ({@code ip}) or its name: the pod
 * identifier in the KV-event topic is whichever of these the pods were configured with. The index is fed by the
 * runtime's KV-event subscriber through {@link #newIngestor()} and told about endpoints that left through
 * {@link #removeEndpoint(String)}. Thread-safe: lookups are lock-free reads of the index.
 * <p>
 * With {@code speculativeIndexing} on, a successful decision ({@link #preRequest}) records the chosen endpoint (and
 * the prefill endpoint of a disaggregated decision) as holding the request's blocks, marked speculative, until
 * {@code speculativeTTL} after the decision; the endpoint's own BlockStored events replace them. This closes the
 * window between the decision and the first KV event (the prefill's duration plus the event's delivery), in which
 * the next request with the same prefix would otherwise find nothing. Time is the scheduling context's: expired
 * entries are dropped at the start of each lookup and decision.
 */
public final class PrecisePrefixCacheProducer implements DataProducer, DataConsumer, KvEventConsumer, PreRequest {

    public static final String TYPE = "precise-prefix-cache-producer";
    /** The profile whose endpoint also receives speculative entries in a disaggregated decision (llm-d's name). */
    public static final String PREFILL_PROFILE = "prefill";

    /**
     * Builds the producer with the index its configuration chose, through the handle's index factory: in-memory in
     * the engine, shared (Redis) when the runtime supplies a factory that can build it.
     */
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Resolved config = Parameters.decode(parameters, PrecisePrefixCacheParameters.class).resolve();
        return new PrecisePrefixCacheProducer(name, config,
                handle.kvBlockIndexes().create(name, config.backend(), config.index()));
    };

    private static final Set<DataKey<?>> CONSUMES = Set.of(TokenizedPrompt.KEY);

    private final TypedName typedName;
    private final Resolved config;
    private final KvBlockIndex index;
    private final DataKey<PrefixCacheMatchInfo> matchKey;
    private final Set<DataKey<?>> produces;
    /** The hasher keeps a scratch buffer and a root cache, so each scheduling thread gets its own. */
    private final ThreadLocal<BlockKeyHasher> hashers;
    /** Lifetime of a speculative entry in nanoseconds; 0 when speculation is off. */
    private final long speculativeTtlNanos;

    public PrecisePrefixCacheProducer(String name, Resolved config, KvBlockIndex index) {
        this.typedName = new TypedName(TYPE, name);
        this.config = config;
        this.index = index;
        this.matchKey = DataKey.of("PrefixCacheMatchInfo[" + name + "]", PrefixCacheMatchInfo.class, null);
        this.produces = Set.of(matchKey);
        this.hashers = ThreadLocal.withInitial(this::newHasher);
        this.speculativeTtlNanos = config.speculativeIndexing() ? config.speculativeTtl().toNanos() : 0;
        if (speculativeTtlNanos > 0 && !index.supportsSpeculativeEntries()) {
            throw new PluginConfigException("speculativeIndexing", "the index backend of " + name + " ("
                    + index.getClass().getSimpleName() + ") keeps no speculative entries; set speculativeIndexing"
                    + " to false");
        }
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public Resolved config() {
        return config;
    }

    @Override
    public KvEventSettings kvEventSettings() {
        return config.kvEvents();
    }

    /** The index this producer reads. */
    @Override
    public KvBlockIndex index() {
        return index;
    }

    /** Where this producer stores its match. */
    public DataKey<PrefixCacheMatchInfo> matchKey() {
        return matchKey;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return produces;
    }

    @Override
    public Set<DataKey<?>> consumes() {
        return CONSUMES;
    }

    /** A hasher with this producer's block size, seed and algorithm. */
    @Override
    public BlockKeyHasher newHasher() {
        return new BlockKeyHasher(config.hashAlgorithm(), config.blockSizeTokens(), config.hashSeed());
    }

    /** An ingestor applying KV events to this producer's index; one per ingestion thread. */
    @Override
    public KvEventIngestor newIngestor() {
        return new KvEventIngestor(index, newHasher());
    }

    /** Forgets a pod (by the identifier its KV-event topic used) that left the pool. */
    public void removeEndpoint(String podId) {
        index.removeEndpoint(podId);
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        TokenizedPrompt prompt = context.get(TokenizedPrompt.KEY);
        if (prompt == null) {
            context.put(matchKey, PrefixCacheMatchInfo.NONE);
            return;
        }
        if (speculativeTtlNanos > 0) {
            index.expireSpeculative(nanos(context.now()));
        }
        InferenceRequest request = context.request();
        int[] tokens = prompt.tokenIds();
        // Recent prompts' keys are reused for a shared prefix (system prompt, earlier turns); tokens are immutable.
        // The rest is hashed as the index walks it, and only as far as some endpoint holds the prefix.
        BlockKeyChain chain = hashers.get().chainReusing(request.targetModel(), tokens, tokens.length,
                request.cacheSalt());
        if (chain.count() == 0) {
            context.put(matchKey, PrefixCacheMatchInfo.NONE);
            return;
        }
        KvPrefixMatch match = index.longestPrefix(chain);
        // Speculation records every block of the prompt for the chosen endpoint, so it needs every key; they are
        // completed here, on the chain's own thread, since preRequest may run on another.
        long[] keys = speculativeTtlNanos > 0 ? chain.keys() : null;
        context.put(matchKey, new Match(match, keys, chain.count(), config.blockSizeTokens()));
    }

    /** With speculative indexing on: the chosen endpoints are expected to hold the request's blocks from now on. */
    @Override
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        if (speculativeTtlNanos == 0 || !result.succeeded()
                || !(context.get(matchKey) instanceof Match match) || match.keys == null) {
            return;
        }
        long now = nanos(context.now());
        index.expireSpeculative(now);
        long deadline = now + speculativeTtlNanos;
        Endpoint target = result.primary().primary();
        index.addSpeculative(match.keys, match.totalBlocks, match.podId(target), deadline);
        ProfileRunResult prefill = result.profile(PREFILL_PROFILE);
        if (prefill != null && !PREFILL_PROFILE.equals(result.primaryProfileName())) {
            Endpoint prefiller = prefill.primary();
            if (!prefiller.name().equals(target.name())) {
                index.addSpeculative(match.keys, match.totalBlocks, match.podId(prefiller), deadline);
            }
        }
    }

    /** An instant as nanoseconds since the epoch (exact until the year 2262). */
    static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    /** A lookup result seen per endpoint. */
    static final class Match implements PrefixCacheMatchInfo {
        private final KvPrefixMatch match;
        /**
         * The request's block keys (shared with the hasher's recent-prompt cache: never modified), or null when
         * speculation is off (then only the blocks the lookup reached were hashed).
         */
        private final long[] keys;
        private final int totalBlocks;
        private final int blockSizeTokens;

        Match(KvPrefixMatch match, long[] keys, int totalBlocks, int blockSizeTokens) {
            this.match = match;
            this.keys = keys;
            this.totalBlocks = totalBlocks;
            this.blockSizeTokens = blockSizeTokens;
        }

        /**
         * The identifier the endpoint's KV events use, as far as this lookup tells: whichever of address, host and
         * name it matched under, else the address (llm-d's pod identifier), so that its BlockStored events replace
         * the speculative entries.
         */
        String podId(Endpoint endpoint) {
            if (match.blocks(endpoint.address()) == 0) {
                if (match.blocks(endpoint.host()) > 0) {
                    return endpoint.host();
                }
                if (match.blocks(endpoint.name()) > 0) {
                    return endpoint.name();
                }
            }
            return endpoint.address();
        }

        @Override
        public int matchBlocks(Endpoint endpoint) {
            int blocks = match.blocks(endpoint.address());
            if (blocks == 0) {
                blocks = match.blocks(endpoint.host());
            }
            if (blocks == 0) {
                blocks = match.blocks(endpoint.name());
            }
            return blocks;
        }

        @Override
        public int totalBlocks() {
            return totalBlocks;
        }

        @Override
        public int blockSizeTokens() {
            return blockSizeTokens;
        }

        /** The index's answer, by pod identifier. */
        KvPrefixMatch match() {
            return match;
        }

        @Override
        public String toString() {
            return "PreciseMatch" + match.blocksByEndpoint() + " of " + totalBlocks;
        }
    }
}
