package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.prefix.PrefixHasher;

/**
 * Parameters of {@code approx-prefix-cache-producer}, as given (null = not set). {@link #resolve()} applies llm-d's
 * code defaults and checks.
 *
 * @param autoTune take the block size from the endpoint's {@code cacheBlockSize} metric and the per-endpoint LRU
 *        capacity from its {@code cacheNumBlocks} metric when known (default true)
 * @param blockSizeTokens tokens per block (default 16); must be &gt; 0 when autoTune is off
 * @param blockSize deprecated block size in characters; an error unless blockSizeTokens is also given (then ignored)
 * @param maxPrefixBlocksToMatch cap on the blocks hashed per request (default 256; 0 = no cap)
 * @param maxPrefixTokensToMatch cap in tokens (default 0 = unset); when &gt; 0 it wins:
 *        {@code maxBlocks = maxPrefixTokensToMatch / blockSizeTokens}
 * @param lruCapacityPerServer blocks remembered per endpoint when autoTune is off or the endpoint's block count is
 *        unknown (default 31,250)
 */
public record ApproxPrefixCacheParameters(
        Boolean autoTune,
        Integer blockSizeTokens,
        Integer blockSize,
        Integer maxPrefixBlocksToMatch,
        Integer maxPrefixTokensToMatch,
        Integer lruCapacityPerServer) {

    public static final int DEFAULT_BLOCK_SIZE_TOKENS = 16;
    public static final int DEFAULT_MAX_PREFIX_BLOCKS = PrefixHasher.DEFAULT_MAX_BLOCKS;
    public static final int DEFAULT_LRU_CAPACITY_PER_SERVER = 31_250;

    /** The effective configuration. */
    public record Resolved(boolean autoTune, int blockSizeTokens, int maxPrefixBlocksToMatch,
            int maxPrefixTokensToMatch, int lruCapacityPerServer) {

        public static final Resolved DEFAULTS = new Resolved(true, DEFAULT_BLOCK_SIZE_TOKENS,
                DEFAULT_MAX_PREFIX_BLOCKS, 0, DEFAULT_LRU_CAPACITY_PER_SERVER);

        public Resolved {
            if (blockSizeTokens < 0) {
                throw new PluginConfigException("blockSizeTokens", "blockSizeTokens must be >= 0, got " + blockSizeTokens);
            }
            if (!autoTune && blockSizeTokens <= 0) {
                throw new PluginConfigException("blockSizeTokens",
                        "blockSizeTokens must be > 0 when autoTune is false, got " + blockSizeTokens);
            }
            if (maxPrefixBlocksToMatch < 0) {
                throw new PluginConfigException("maxPrefixBlocksToMatch",
                        "maxPrefixBlocksToMatch must be >= 0 (0 = no cap), got " + maxPrefixBlocksToMatch);
            }
            if (maxPrefixTokensToMatch < 0) {
                throw new PluginConfigException("maxPrefixTokensToMatch",
                        "maxPrefixTokensToMatch must be >= 0 (0 = unset), got " + maxPrefixTokensToMatch);
            }
            if (lruCapacityPerServer <= 0) {
                throw new PluginConfigException("lruCapacityPerServer",
                        "lruCapacityPerServer must be > 0, got " + lruCapacityPerServer);
            }
        }
    }

    public Resolved resolve() {
        if (blockSize != null && blockSizeTokens == null) {
            throw new PluginConfigException("blockSize", "blockSize (characters) is deprecated and no longer used;"
                    + " set blockSizeTokens (tokens per block, 4 characters each) instead");
        }
        return new Resolved(
                autoTune == null || autoTune,
                blockSizeTokens == null ? DEFAULT_BLOCK_SIZE_TOKENS : blockSizeTokens,
                maxPrefixBlocksToMatch == null ? DEFAULT_MAX_PREFIX_BLOCKS : maxPrefixBlocksToMatch,
                maxPrefixTokensToMatch == null ? 0 : maxPrefixTokensToMatch,
                lruCapacityPerServer == null ? DEFAULT_LRU_CAPACITY_PER_SERVER : lruCapacityPerServer);
    }
}
