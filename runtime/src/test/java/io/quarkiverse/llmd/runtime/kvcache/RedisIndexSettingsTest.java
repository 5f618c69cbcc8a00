package io.quarkiverse.llmd.runtime.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RedisIndexSettingsTest {

    @Test
    void valkeySchemesAreRewrittenAsInLlmD() {
        assertThat(RedisIndexSettings.normaliseUrl("valkey://cache:6379")).isEqualTo("redis://cache:6379");
        assertThat(RedisIndexSettings.normaliseUrl("valkeys://cache:6380/2")).isEqualTo("rediss://cache:6380/2");
        assertThat(RedisIndexSettings.normaliseUrl(" redis://u:p@10.0.0.1:7000 ")).isEqualTo("redis://u:p@10.0.0.1:7000");
    }

    @Test
    void badValuesNameTheirProperty() {
        assertThatThrownBy(() -> RedisIndexSettings.normaliseUrl("http://cache:6379"))
                .hasMessageStartingWith("quarkus.llmd.redis.url must start with redis://");
        assertThatThrownBy(() -> RedisIndexSettings.normaliseUrl("redis://"))
                .hasMessageStartingWith("quarkus.llmd.redis.url ");
        assertThatThrownBy(() -> RedisIndexSettings.normaliseUrl("redis://cache:99999"))
                .hasMessageContaining("quarkus.llmd.redis.url");
        assertThatThrownBy(() -> RedisIndexSettings.normaliseUrl(""))
                .hasMessageStartingWith("quarkus.llmd.redis.url must be set");
        RedisIndexSettings ok = RedisIndexSettings.defaults("redis://cache:6379");
        assertThatThrownBy(() -> ok.withOutbox(0, 1)).hasMessageStartingWith("quarkus.llmd.redis.outbox-capacity");
        assertThatThrownBy(() -> ok.withOutbox(10, -1)).hasMessageStartingWith("quarkus.llmd.redis.publish-retries");
        assertThatThrownBy(() -> ok.withSnapshotInterval(Duration.ZERO, Duration.ofMinutes(1)))
                .hasMessageStartingWith("quarkus.llmd.redis.snapshot-interval");
        assertThatThrownBy(() -> ok.withSnapshotInterval(Duration.ofSeconds(30), Duration.ofSeconds(40)))
                .hasMessageStartingWith("quarkus.llmd.redis.key-ttl must be at least twice");
    }
}
