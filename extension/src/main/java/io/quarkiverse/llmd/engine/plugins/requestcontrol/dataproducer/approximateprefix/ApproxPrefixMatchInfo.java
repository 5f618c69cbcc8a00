package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix;

import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.prefix.PrefixMatch;

/**
 * The {@link PrefixCacheMatchInfo} of one request: the block count and size it was cut into and the matches by
 * endpoint name. The hashes themselves are not kept (they would cost 8 bytes per block on every request);
 * PreRequest hashes again with the same block size.
 */
public final class ApproxPrefixMatchInfo implements PrefixCacheMatchInfo {

    private final PrefixMatch match;
    private final int blockSizeTokens;
    private final int totalBlocks;
    private final Object owner;

    ApproxPrefixMatchInfo(PrefixMatch match, int blockSizeTokens, int totalBlocks, Object owner) {
        this.match = match;
        this.blockSizeTokens = blockSizeTokens;
        this.totalBlocks = totalBlocks;
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
        return totalBlocks;
    }

    @Override
    public int blockSizeTokens() {
        return blockSizeTokens;
    }

    /** The raw match (endpoints with a non-zero count, walk depth). */
    public PrefixMatch match() {
        return match;
    }

    Object owner() {
        return owner;
    }

    @Override
    public String toString() {
        return "ApproxPrefixMatchInfo{totalBlocks=" + totalBlocks + ", blockSizeTokens=" + blockSizeTokens + ", "
                + match + "}";
    }
}
