package io.quarkiverse.llmd.runtime.kvcache;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * How a {@link RedisKvBlockIndex} reaches Redis and bounds what it keeps there. Every check names the
 * {@code quarkus.llmd.redis.*} property (or the llm-d field) the value came from, so a bad value is a clear startup
 * error.
 *
 * @param url {@code redis://[user:password@]host:port[/db]} or {@code rediss://}; llm-d's {@code valkey://} and
 *        {@code valkeys://} are accepted and mean the same
 * @param keyPrefix prefix of every key this index writes
 * @param connectTimeout TCP connect timeout
 * @param commandTimeout how long a command may take before the connection is dropped and retried
 * @param batchSize most index changes per stream entry
 * @param outboxCapacity index changes waiting to be written at most; beyond it changes are dropped (counted)
 * @param publishRetries attempts at writing one batch before it is dropped (counted)
 * @param streamMaxLength stream entries kept (approximately: Redis trims whole nodes)
 * @param snapshotInterval how often one replica writes the snapshot late joiners start from
 * @param keyTtl the stream and snapshot expire when no replica has written them for this long
 */
public record RedisIndexSettings(String url, String keyPrefix, Duration connectTimeout, Duration commandTimeout,
        int batchSize, int outboxCapacity, int publishRetries, long streamMaxLength, Duration snapshotInterval,
        Duration keyTtl) {

    public static final String DEFAULT_URL = "redis://127.0.0.1:6379";
    public static final String DEFAULT_KEY_PREFIX = "llmd:kv:";

    /** Where the settings come from, for error messages: {@code quarkus.llmd.redis.}. */
    public static final String PROPERTY_PREFIX = "quarkus.llmd.redis.";

    public RedisIndexSettings {
        url = normaliseUrl(url);
        if (keyPrefix == null) {
            throw invalid("key-prefix", "must be set");
        }
        positive(connectTimeout, "connect-timeout");
        positive(commandTimeout, "command-timeout");
        positive(snapshotInterval, "snapshot-interval");
        positive(keyTtl, "key-ttl");
        if (batchSize < 1 || batchSize > 65_536) {
            throw invalid("batch-size", "must be in [1, 65536], got " + batchSize);
        }
        if (outboxCapacity < 1) {
            throw invalid("outbox-capacity", "must be > 0, got " + outboxCapacity);
        }
        if (publishRetries < 0) {
            throw invalid("publish-retries", "must be >= 0, got " + publishRetries);
        }
        if (streamMaxLength < 1) {
            throw invalid("stream-max-length", "must be > 0, got " + streamMaxLength);
        }
        if (keyTtl.compareTo(snapshotInterval.multipliedBy(2)) < 0) {
            throw invalid("key-ttl", "must be at least twice snapshot-interval (" + snapshotInterval
                    + "), or the snapshot expires between two writes; got " + keyTtl);
        }
    }

    /**
     * The settings of {@code quarkus.llmd.redis.*}; a bad value fails with a {@link IllegalArgumentException} whose
     * message names the property.
     */
    public static RedisIndexSettings of(io.quarkiverse.llmd.runtime.config.RedisConfig c) {
        return new RedisIndexSettings(c.url(), c.keyPrefix(), c.connectTimeout(), c.commandTimeout(), c.batchSize(),
                c.outboxCapacity(), c.publishRetries(), c.streamMaxLength(), c.snapshotInterval(), c.keyTtl());
    }

    /** Defaults, with another url. */
    public static RedisIndexSettings defaults(String url) {
        return new RedisIndexSettings(url, DEFAULT_KEY_PREFIX, Duration.ofSeconds(2), Duration.ofSeconds(2), 512,
                100_000, 10, 100_000, Duration.ofSeconds(30), Duration.ofHours(1));
    }

    /** The same settings with another url (a pool's {@code redisConfig.address} overrides the global one). */
    public RedisIndexSettings withUrl(String other) {
        return new RedisIndexSettings(other, keyPrefix, connectTimeout, commandTimeout, batchSize, outboxCapacity,
                publishRetries, streamMaxLength, snapshotInterval, keyTtl);
    }

    /** The same settings with another snapshot interval and key TTL (tests use short ones). */
    public RedisIndexSettings withSnapshotInterval(Duration interval, Duration ttl) {
        return new RedisIndexSettings(url, keyPrefix, connectTimeout, commandTimeout, batchSize, outboxCapacity,
                publishRetries, streamMaxLength, interval, ttl);
    }

    /** The same settings with another outbox capacity and retry count. */
    public RedisIndexSettings withOutbox(int capacity, int retries) {
        return new RedisIndexSettings(url, keyPrefix, connectTimeout, commandTimeout, batchSize, capacity, retries,
                streamMaxLength, snapshotInterval, keyTtl);
    }

    /**
     * Checks a Redis URL and rewrites llm-d's Valkey schemes ({@code valkey://} to {@code redis://},
     * {@code valkeys://} to {@code rediss://}), as llm-d does.
     */
    public static String normaliseUrl(String url) {
        return normaliseUrl(url, PROPERTY_PREFIX + "url");
    }

    /** As {@link #normaliseUrl(String)}, with errors starting with {@code what} (the field the URL came from). */
    public static String normaliseUrl(String url, String what) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(what + " must be set, for example " + DEFAULT_URL);
        }
        String u = url.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("valkey://")) {
            u = "redis://" + u.substring("valkey://".length());
        } else if (lower.startsWith("valkeys://")) {
            u = "rediss://" + u.substring("valkeys://".length());
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + " is not a URL: '" + url + "' (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException(what + " must start with redis://, rediss://, valkey:// or valkeys://, got '" + url + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException(what + " names no host: '" + url + "'");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException(what + " has an invalid port: '" + url + "'");
        }
        return u;
    }

    private static void positive(Duration d, String property) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw invalid(property, "must be a positive duration, got " + d);
        }
    }

    private static IllegalArgumentException invalid(String property, String problem) {
        return new IllegalArgumentException(PROPERTY_PREFIX + property + " " + problem);
    }
}
