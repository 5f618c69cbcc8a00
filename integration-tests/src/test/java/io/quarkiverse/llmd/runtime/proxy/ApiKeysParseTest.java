package io.quarkiverse.llmd.runtime.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;

/** The API-key file: what it accepts, and errors that name the property and line but never a key. */
class ApiKeysParseTest {

    static final String KEY = "sk-0123456789abcdef";

    @Test
    void keysMapToTenants() {
        ApiKeys keys = ApiKeys.parse("keys", List.of("# comment", "", KEY + "\tteam-a"));
        assertThat(keys.tenantOf("Bearer " + KEY, null)).isEqualTo("team-a");
        assertThat(keys.tenantOf("bearer  " + KEY + " ", null)).isEqualTo("team-a");
        assertThat(keys.tenantOf(null, KEY)).isEqualTo("team-a");
        assertThat(keys.tenantOf("Basic " + KEY, null)).isNull();
        assertThat(keys.tenantOf("Bearer " + KEY + "x", null)).isNull();
        assertThat(keys.tenantOf(null, null)).isNull();
    }

    @Test
    void malformedFilesAreRefusedWithoutEchoingKeys() {
        assertThatThrownBy(() -> ApiKeys.parse("keys", List.of(KEY)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(ApiKeys.PROPERTY)
                .hasMessageContaining("line 1").hasMessageNotContaining(KEY);
        assertThatThrownBy(() -> ApiKeys.parse("keys", List.of("short a")))
                .hasMessageContaining("shorter than 16").hasMessageNotContaining("short a");
        assertThatThrownBy(() -> ApiKeys.parse("keys", List.of(KEY + " a", KEY + " b")))
                .hasMessageContaining("line 2").hasMessageContaining("twice").hasMessageNotContaining(KEY);
        assertThatThrownBy(() -> ApiKeys.parse("keys", List.of("# nothing")))
                .hasMessageContaining("holds no key");
    }
}
