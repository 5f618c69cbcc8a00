package io.quarkiverse.llmd.engine.framework.data;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;

/** The per-request data keys of the built-in plugins, with llm-d's default producers. */
public final class DataKeys {

    /** Prefix-cache match per endpoint; default producer {@code approx-prefix-cache-producer}. */
    public static final DataKey<PrefixCacheMatchInfo> PREFIX_CACHE_MATCH = DataKey.of("PrefixCacheMatchInfo",
            PrefixCacheMatchInfo.class, "approx-prefix-cache-producer");

    /** In-flight requests and tokens per endpoint; default producer {@code inflight-load-producer}. */
    public static final DataKey<InFlightLoad> IN_FLIGHT_LOAD = DataKey.of("InFlightLoad", InFlightLoad.class,
            "inflight-load-producer");

    private DataKeys() {
    }
}
