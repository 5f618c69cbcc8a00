package io.quarkiverse.llmd.gateway.epp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Go's value syntaxes, with the examples of Go's and Kubernetes' documentation. */
class GoValuesTest {

    @Test
    void durations() {
        assertThat(GoValues.parseDuration("50ms")).isEqualTo(Duration.ofMillis(50));
        assertThat(GoValues.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(GoValues.parseDuration("2h45m")).isEqualTo(Duration.ofMinutes(165));
        assertThat(GoValues.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GoValues.parseDuration("300us")).isEqualTo(Duration.ofNanos(300_000));
        assertThat(GoValues.parseDuration("300\u00b5s")).isEqualTo(Duration.ofNanos(300_000));
        assertThat(GoValues.parseDuration(".5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(GoValues.parseDuration("-1.5h")).isEqualTo(Duration.ofMinutes(-90));
        assertThat(GoValues.parseDuration("0")).isZero();
        for (String bad : new String[] { "", "5", "1x", "1..5s", "s", "-", "1s5", "1 s" }) {
            assertThatThrownBy(() -> GoValues.parseDuration(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid duration");
        }
    }

    @Test
    void booleansAsStrconvParseBool() {
        for (String t : new String[] { "1", "t", "T", "TRUE", "true", "True" }) {
            assertThat(GoValues.parseBool(t)).as(t).isTrue();
        }
        for (String f : new String[] { "0", "f", "F", "FALSE", "false", "False" }) {
            assertThat(GoValues.parseBool(f)).as(f).isFalse();
        }
        for (String bad : new String[] { "yes", "on", "tRUE", "" }) {
            assertThatThrownBy(() -> GoValues.parseBool(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void byteSizesAsKubernetesQuantitiesWithAnOptionalB() {
        assertThat(GoValues.parseByteSize("4194304")).isEqualTo(4_194_304L);
        assertThat(GoValues.parseByteSize("10Mi")).isEqualTo(10L * 1024 * 1024);
        assertThat(GoValues.parseByteSize("10MiB")).isEqualTo(10L * 1024 * 1024);
        assertThat(GoValues.parseByteSize("25MB")).isEqualTo(25_000_000L);
        assertThat(GoValues.parseByteSize("1.5Ki")).isEqualTo(1536L);
        assertThat(GoValues.parseByteSize("1k")).isEqualTo(1000L);
        assertThat(GoValues.parseByteSize("0.5")).as("rounded up").isEqualTo(1L);
        for (String bad : new String[] { "", "MiB", "10XB", "ten", "-1Mi", "1.2.3" }) {
            assertThatThrownBy(() -> GoValues.parseByteSize(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void camelCaseToKebabCase() {
        assertThat(GoValues.kebab("poolName")).isEqualTo("pool-name");
        assertThat(GoValues.kebab("grpcHealthPort")).isEqualTo("grpc-health-port");
        assertThat(GoValues.kebab("modelServerMetricsHttpsInsecureSkipVerify"))
                .isEqualTo("model-server-metrics-https-insecure-skip-verify");
        assertThat(GoValues.kebab("v")).isEqualTo("v");
    }
}
