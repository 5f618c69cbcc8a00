package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix;

import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.prefix.PrefixMatch;

/**
 * The {@link PrefixCacheMatchInfo} of one request: the block hashes (kept for the index update in PreRequest) and
 * the non-zero matches by endpoint name. Endpoints not in the match hold 0 blocks.
 */
public final class ApproxPrefixMatchInfo implements PrefixCacheMatchInfo {

    private static final long[] NO_HASHES = new long[0];

    private final PrefixMatch match;
    private final int blockSizeTokens;
    private final long[] hashes;
    private final Object owner;

    ApproxPrefixMatchInfo(PrefixMatch match, int blockSizeTokens, long[] hashes, Object owner) {
        this.match = match;
        this.blockSizeTokens = blockSizeTokens;
        this.hashes = hashes == null ? NO_HASHES : hashes;
        this.owner = owner;
    }

    @Override
    public int matchBlocks(Endpoint endpoint) {
        return match.blocks(endpoint.name());
    }

    /** Blocks held by the endpoint with this name. */
    public int matchBlocks(String endpointName) {
        return match.blocks(endpointName);
    }

    @Override
    public int totalBlocks() {
        return hashes.length;
    }

    @Override
    public int blockSizeTokens() {
        return blockSizeTokens;
    }

    /** The raw match (endpoints with a non-zero count, walk depth). */
    public PrefixMatch match() {
        return match;
    }

    /** The request's block hashes; shared, do not modify. */
    long[] hashes() {
        return hashes;
    }

    Object owner() {
        return owner;
    }

    @Override
    public String toString() {
        return "ApproxPrefixMatchInfo{totalBlocks=" + hashes.length + ", blockSizeTokens=" + blockSizeTokens + ", "
                + match + "}";
    }
}
