package io.quarkiverse.llmd.engine.framework.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class GoDurationTest {

    @Test
    void parsesGoDurations() {
        assertThat(GoDuration.parse("f", "200ms")).isEqualTo(Duration.ofMillis(200));
        assertThat(GoDuration.parse("f", "2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(GoDuration.parse("f", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(GoDuration.parse("f", "0.2s")).isEqualTo(Duration.ofMillis(200));
        assertThat(GoDuration.parse("f", ".5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(GoDuration.parse("f", "1.s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(GoDuration.parse("f", "1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("f", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(GoDuration.parse("f", "300us")).isEqualTo(Duration.ofNanos(300_000));
        assertThat(GoDuration.parse("f", "300µs")).isEqualTo(Duration.ofNanos(300_000));
        assertThat(GoDuration.parse("f", "7ns")).isEqualTo(Duration.ofNanos(7));
        assertThat(GoDuration.parse("f", "0")).isEqualTo(Duration.ZERO);
        assertThat(GoDuration.parse("f", "-1.5h")).isEqualTo(Duration.ofMinutes(-90));
        assertThat(GoDuration.parse("f", "+3s")).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void rejectsOtherTextNamingTheField() {
        for (String bad : new String[] { "", "200", "s", "1x", "abc", "PT2S", "1.5", ".s", "-", "2 s", "1s2" }) {
            assertThatThrownBy(() -> GoDuration.parse("metricsStalenessThreshold", bad)).as(bad)
                    .isInstanceOf(PluginConfigException.class)
                    .hasMessageStartingWith("metricsStalenessThreshold must be a duration")
                    .satisfies(e -> assertThat(((PluginConfigException) e).field())
                            .isEqualTo("metricsStalenessThreshold"));
        }
        assertThatThrownBy(() -> GoDuration.parse("ttl", null)).isInstanceOf(PluginConfigException.class);
        assertThatThrownBy(() -> GoDuration.parse("ttl", "99999999999999h")).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("ttl is out of range");
        assertThatThrownBy(() -> GoDuration.parseNonNegative("ttl", "-1s")).isInstanceOf(PluginConfigException.class)
                .hasMessage("ttl must not be negative, got '-1s'");
    }
}
