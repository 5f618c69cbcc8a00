package io.quarkiverse.llmd.engine.framework.data;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * How much of the request's prompt each endpoint is believed to hold in its prefix cache (llm-d's
 * PrefixCacheMatchInfo): the request is cut into {@link #totalBlocks()} blocks of {@link #blockSizeTokens()} tokens,
 * and {@link #matchBlocks(Endpoint)} of them are cached on the endpoint.
 */
public interface PrefixCacheMatchInfo {

    /** Info for a request too short to form a block: no endpoint matches anything. */
    PrefixCacheMatchInfo NONE = new PrefixCacheMatchInfo() {
        @Override
        public int matchBlocks(Endpoint endpoint) {
            return 0;
        }

        @Override
        public int totalBlocks() {
            return 0;
        }

        @Override
        public int blockSizeTokens() {
            return 0;
        }
    };

    /** Number of the request's blocks believed cached on the endpoint. */
    int matchBlocks(Endpoint endpoint);

    /** Number of blocks the request was cut into. */
    int totalBlocks();

    /** Tokens per block. */
    int blockSizeTokens();

    /** True when at least one endpoint holds part of the prompt. */
    default boolean anyMatch(Iterable<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            if (matchBlocks(e) > 0) {
                return true;
            }
        }
        return false;
    }
}
