package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * The Redis that shares a precise-prefix KV-block index between gateway replicas ({@code quarkus.llmd.redis.*}).
 * Used only by pools whose {@code precise-prefix-cache-producer} sets
 * {@code indexerConfig.kvBlockIndexConfig.redisConfig} (or {@code valkeyConfig}); no connection is made otherwise.
 */
public interface RedisConfig {

    /**
     * Where Redis is: {@code redis://[user:password@]host:port[/db]} or {@code rediss://} for TLS; llm-d's
     * {@code valkey://} and {@code valkeys://} are accepted. A plugin's {@code redisConfig.address} overrides it.
     */
    @WithDefault("redis://127.0.0.1:6379")
    String url();

    /** Prefix of every key the shared index writes (stream, snapshot, lock); one per deployment sharing a Redis. */
    @WithDefault("llmd:kv:")
    String keyPrefix();

    /** TCP connect timeout. */
    @WithDefault("2s")
    Duration connectTimeout();

    /** How long a command may take before its connection is dropped and the command retried. */
    @WithDefault("2s")
    Duration commandTimeout();

    /** Most index changes written in one stream entry: a burst of KV events costs one round trip per batch. */
    @WithDefault("512")
    int batchSize();

    /**
     * Index changes waiting to be written at most. Beyond it, while Redis is slow or down, new changes are dropped
     * (metric {@code llm_d_epp_kv_cache_index_shared_dropped_changes_total}, warning in the log); lookups are not affected.
     */
    @WithDefault("100000")
    int outboxCapacity();

    /** Attempts at writing one batch before it is dropped (with backoff from 50 ms to 2 s: about 11 s at 10). */
    @WithDefault("10")
    int publishRetries();

    /** Stream entries Redis keeps (approximately); a replica further behind resyncs from the snapshot. */
    @WithDefault("100000")
    long streamMaxLength();

    /** How often one replica writes the snapshot that late joiners and resyncing replicas start from. */
    @WithDefault("30s")
    Duration snapshotInterval();

    /** The stream and snapshot expire after this long without writes (at least twice the snapshot interval). */
    @WithDefault("1h")
    Duration keyTtl();
}
