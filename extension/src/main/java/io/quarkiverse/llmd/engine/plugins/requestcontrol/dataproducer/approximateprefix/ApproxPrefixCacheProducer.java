package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix;

import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointLifecycle;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheParameters.Resolved;
import io.quarkiverse.llmd.engine.prefix.ApproximatePrefixIndex;
import io.quarkiverse.llmd.engine.prefix.PrefixHasher;
import io.quarkiverse.llmd.engine.prefix.PrefixMatch;

/**
 * {@code approx-prefix-cache-producer}: llm-d's approximate prefix-cache tracking (reference scheduler-epp.md 3.5).
 * Before scheduling it hashes the request's prefix input into a block chain ({@link PrefixHasher}) and matches it
 * against the {@link ApproximatePrefixIndex}, storing a {@link PrefixCacheMatchInfo} under
 * {@link DataKeys#PREFIX_CACHE_MATCH}. After a successful decision ({@link PreRequest}) it records the chain for the
 * primary target and for the target of a profile literally named {@code prefill}.
 * <p>
 * The runtime must call {@link #retainEndpoints} when the pool's endpoints change (llm-d purges every 2 minutes);
 * independently, the index never tracks more than {@link ApproximatePrefixIndex#DEFAULT_MAX_ENDPOINTS} endpoints.
 * Thread-safe; one instance is shared by all requests.
 */
public final class ApproxPrefixCacheProducer implements EndpointLifecycle, DataProducer, PreRequest {

    public static final String TYPE = "approx-prefix-cache-producer";
    /** Profile whose target also receives the request's blocks (P/D disaggregation). */
    public static final String PREFILL_PROFILE = "prefill";
    /** Upper bound on an endpoint's LRU capacity taken from its {@code cacheNumBlocks} metric. */
    static final int MAX_CAPACITY = 1 << 24;

    public static final PluginFactory FACTORY = (name, parameters, handle) -> new ApproxPrefixCacheProducer(name,
            Parameters.decode(parameters, ApproxPrefixCacheParameters.class).resolve());

    private static final Set<DataKey<?>> PRODUCES = Set.of(DataKeys.PREFIX_CACHE_MATCH);

    private final TypedName typedName;
    private final Resolved config;
    private final ApproximatePrefixIndex index;
    private final PrefixHasher hasher = new PrefixHasher();

    public ApproxPrefixCacheProducer(String name, Resolved config) {
        this(name, config, new ApproximatePrefixIndex());
    }

    public ApproxPrefixCacheProducer(String name, Resolved config, ApproximatePrefixIndex index) {
        this.typedName = new TypedName(TYPE, name);
        this.config = config;
        this.index = index;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return PRODUCES;
    }

    public Resolved config() {
        return config;
    }

    public ApproximatePrefixIndex index() {
        return index;
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        int blockSizeTokens = blockSizeTokens(candidates);
        PrefixHasher.Chain chain = hasher.chain(context.request(), blockSizeTokens, maxBlocks(blockSizeTokens));
        PrefixMatch found = index.match(chain);
        context.put(DataKeys.PREFIX_CACHE_MATCH, new ApproxPrefixMatchInfo(found, blockSizeTokens, chain.count(),
                this));
    }

    @Override
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        if (!result.succeeded()) {
            return;
        }
        ProfileRunResult primary = result.primary();
        Endpoint target = primary.primary();
        PrefixCacheMatchInfo produced = context.get(DataKeys.PREFIX_CACHE_MATCH);
        int blockSizeTokens = produced instanceof ApproxPrefixMatchInfo info && info.owner() == this
                ? info.blockSizeTokens()
                : blockSizeTokens(List.of(target));
        long[] hashes = hasher.hashChain(context.request(), blockSizeTokens, maxBlocks(blockSizeTokens));
        if (hashes.length == 0) {
            return;
        }
        index.add(target.name(), capacity(target), hashes, hashes.length);
        ProfileRunResult prefill = result.profile(PREFILL_PROFILE);
        if (prefill != null && !PREFILL_PROFILE.equals(result.primaryProfileName())) {
            Endpoint prefiller = prefill.primary();
            if (!prefiller.name().equals(target.name())) {
                index.add(prefiller.name(), capacity(prefiller), hashes, hashes.length);
            }
        }
    }

    /** Forgets endpoints that are no longer in the pool; call whenever the endpoint set changes. */
    public void retainEndpoints(Set<String> endpointNames) {
        index.retainEndpoints(endpointNames);
    }

    /** Forgets one endpoint. */
    @Override
    public void endpointRemoved(String endpointName) {
        removeEndpoint(endpointName);
    }

    /** Forgets one endpoint. */
    public void removeEndpoint(String endpointName) {
        index.removeEndpoint(endpointName);
    }

    /** Tokens per block: the first candidate's {@code cacheBlockSize} when auto-tuning and known. */
    int blockSizeTokens(List<Endpoint> endpoints) {
        if (config.autoTune() && !endpoints.isEmpty()) {
            int metric = endpoints.get(0).metrics().cacheBlockSize();
            if (metric > 0) {
                return metric;
            }
        }
        int configured = config.blockSizeTokens();
        return configured > 0 ? configured : ApproxPrefixCacheParameters.DEFAULT_BLOCK_SIZE_TOKENS;
    }

    /** Blocks hashed at most: {@code maxPrefixTokensToMatch / blockSize} when set, else the block cap (0 = none). */
    int maxBlocks(int blockSizeTokens) {
        if (config.maxPrefixTokensToMatch() > 0) {
            return config.maxPrefixTokensToMatch() / blockSizeTokens;
        }
        int blocks = config.maxPrefixBlocksToMatch();
        return blocks == 0 ? PrefixHasher.UNLIMITED : blocks;
    }

    /**
     * LRU capacity of an endpoint: its {@code cacheNumBlocks} when auto-tuning and known, else
     * {@code lruCapacityPerServer} (which llm-d, by a bug, effectively ignores).
     */
    int capacity(Endpoint endpoint) {
        long gpuBlocks = endpoint.metrics().cacheNumBlocks();
        if (config.autoTune() && gpuBlocks > 0) {
            return (int) Math.min(gpuBlocks, MAX_CAPACITY);
        }
        return config.lruCapacityPerServer();
    }
}
