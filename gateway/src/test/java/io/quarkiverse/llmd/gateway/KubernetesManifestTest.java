package io.quarkiverse.llmd.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;

/** The example manifest's EndpointPickerConfig loads with our loader, and the Service exposes llm-d's ports. */
class KubernetesManifestTest {

    private static final Path MANIFEST = Path.of("src/main/kubernetes/llmd-gateway.yaml");

    @Test
    void configMapHoldsALoadableEndpointPickerConfig() throws Exception {
        String epp = block(Files.readAllLines(MANIFEST), "  epp-config.yaml: |");
        EndpointPickerConfigLoader.Loaded loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry())
                .load("llmd-gateway.yaml", epp);
        assertThat(loaded.scheduler().profiles()).containsOnlyKeys("default");
        assertThat(loaded.scheduler().profiles().get("default").scorers()).hasSize(3);
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void serviceExposesTheEppPorts() throws Exception {
        String manifest = Files.readString(MANIFEST);
        for (String port : List.of("port: 9002", "port: 9003", "port: 9090", "port: 8080")) {
            assertThat(manifest).contains(port);
        }
        assertThat(manifest).contains("quarkus.llmd.embedded-fleet.enabled=false");
    }

    /** The lines of a YAML literal block, de-indented. */
    private static String block(List<String> lines, String header) {
        StringBuilder sb = new StringBuilder();
        int start = lines.indexOf(header);
        assertThat(start).as(header).isNotNegative();
        for (int i = start + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("    ") && !line.isBlank()) {
                break;
            }
            sb.append(line.length() >= 4 ? line.substring(4) : "").append('\n');
        }
        return sb.toString();
    }
}
