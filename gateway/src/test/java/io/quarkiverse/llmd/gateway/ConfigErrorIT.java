package io.quarkiverse.llmd.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * What a user sees when the packaged gateway is started with a broken EndpointPickerConfig: one message naming the
 * file, the line, the field and what is accepted, then a non-zero exit; no server's start-up failure and no stack
 * trace.
 */
class ConfigErrorIT {

    @Test
    void aTypoInAPluginParameterIsOneClearMessage() throws Exception {
        Path config = Files.createTempFile("epp-typo", ".yaml");
        config.toFile().deleteOnExit();
        Files.writeString(config, """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: prefix-cache-scorer
                  parameters:
                    blockSizze: 5
                """);
        Process gateway = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.llmd.config-file=" + config, "-Dquarkus.http.port=0", "-Dquarkus.grpc.server.port=0",
                "-Dquarkus.llmd.ext-proc.health-port=0", "-Dquarkus.llmd.metrics.port=0",
                "-Dquarkus.llmd.embedded-fleet.enabled=false", "-jar",
                Path.of("target", "quarkus-app", "quarkus-run.jar").toString()))
                .redirectErrorStream(true).start();
        String output = new String(gateway.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gateway.waitFor(2, TimeUnit.MINUTES)).isTrue();

        assertThat(gateway.exitValue()).as(output).isNotZero();
        assertThat(output).contains(config + ":6: plugins[0].parameters.blockSizze: ")
                .contains("unknown parameter 'blockSizze'; known: [")
                .doesNotContain("Unable to start")
                .doesNotContain("\tat ");
    }
}
