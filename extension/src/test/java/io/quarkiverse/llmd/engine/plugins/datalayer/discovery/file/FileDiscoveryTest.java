package io.quarkiverse.llmd.engine.plugins.datalayer.discovery.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.YamlTree;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/** The endpoints file of {@code file-discovery}, in llm-d's format (its plugin README). */
class FileDiscoveryTest {

    private static void fails(String text, String message) {
        assertThatThrownBy(() -> FileDiscovery.parse("eps.yaml", text)).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void llmdReadmeExample() {
        List<Endpoint> endpoints = FileDiscovery.parse("eps.yaml", """
                endpoints:
                  - name: vllm-0
                    address: "10.0.0.1"
                    port: "8000"
                  - name: vllm-1
                    address: "10.0.0.2"
                    port: "8000"
                """);
        assertThat(endpoints).containsExactly(
                Endpoint.of("default/vllm-0", "10.0.0.1:8000", Map.of()),
                Endpoint.of("default/vllm-1", "10.0.0.2:8000", Map.of()));
    }

    @Test
    void namespacesLabelsIpv6AndIntegerPorts() {
        List<Endpoint> endpoints = FileDiscovery.parse("eps.yaml", """
                endpoints:
                  - name: decode-0
                    namespace: team-a
                    address: 192.168.1.20
                    port: 8200
                    labels:
                      llm-d.ai/role: decode
                      gpu: "8"
                  - name: decode-0
                    namespace: team-b
                    address: "fd00::1:20"
                    port: "8000"
                  - name: mapped
                    address: "::ffff:10.1.2.3"
                    port: "65535"
                """);
        assertThat(endpoints).extracting(Endpoint::name).containsExactly("team-a/decode-0", "team-b/decode-0",
                "default/mapped");
        assertThat(endpoints.get(0).address()).isEqualTo("192.168.1.20:8200");
        assertThat(endpoints.get(0).labels()).isEqualTo(Map.of("llm-d.ai/role", "decode", "gpu", "8"));
        assertThat(endpoints.get(0).role()).isEqualTo("decode");
        assertThat(endpoints.get(1).address()).isEqualTo("[fd00::1:20]:8000");
        assertThat(endpoints.get(1).host()).isEqualTo("[fd00::1:20]");
        assertThat(endpoints.get(2).address()).isEqualTo("[::ffff:10.1.2.3]:65535");
    }

    @Test
    void jsonAndEmptyFiles() {
        assertThat(FileDiscovery.parse("eps.json", "{\"endpoints\": [{\"name\": \"a\", \"address\": \"10.0.0.9\","
                + " \"port\": \"9000\"}]}")).containsExactly(Endpoint.of("default/a", "10.0.0.9:9000", Map.of()));
        assertThat(FileDiscovery.parse("eps.yaml", "")).isEmpty();
        assertThat(FileDiscovery.parse("eps.yaml", "endpoints: []\n")).isEmpty();
        assertThat(FileDiscovery.parse("eps.yaml", "endpoints:\n")).isEmpty();
    }

    @Test
    void preciseErrors() {
        fails("endpoints:\n  - name: a\n    address: vllm-0.svc\n    port: \"8000\"\n",
                "eps.yaml:3: endpoints[0].address: must be an IPv4 or IPv6 address, got 'vllm-0.svc' (host names are "
                        + "not resolved)");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.256\n    port: \"8000\"\n",
                "eps.yaml:3: endpoints[0].address: must be an IPv4 or IPv6 address, got '10.0.0.256' (host names are "
                        + "not resolved)");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.01\n    port: \"8000\"\n",
                "eps.yaml:3: endpoints[0].address: must be an IPv4 or IPv6 address, got '10.0.0.01' (host names are "
                        + "not resolved)");
        fails("endpoints:\n  - name: a\n    address: \"[::1]\"\n    port: \"8000\"\n",
                "eps.yaml:3: endpoints[0].address: must be an IPv4 or IPv6 address, got '[::1]' (host names are "
                        + "not resolved)");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n    port: \"0\"\n",
                "eps.yaml:4: endpoints[0].port: must be a port number between 1 and 65535, got \"0\"");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n    port: 65536\n",
                "eps.yaml:4: endpoints[0].port: must be a port number between 1 and 65535, got 65536");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n    port: \"80a\"\n",
                "eps.yaml:4: endpoints[0].port: must be a port number between 1 and 65535, got \"80a\"");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n",
                "eps.yaml:2: endpoints[0].port: is required");
        fails("endpoints:\n  - address: 10.0.0.1\n    port: \"80\"\n",
                "eps.yaml:2: endpoints[0].name: is required");
        fails("endpoints:\n  - name: \"\"\n    address: 10.0.0.1\n    port: \"80\"\n",
                "eps.yaml:2: endpoints[0].name: must be a non-empty string, got \"\"");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n    port: \"80\"\n  - name: a\n"
                + "    address: 10.0.0.2\n    port: \"80\"\n",
                "eps.yaml:5: endpoints[1].name: duplicate endpoint 'default/a' (first at line 2)");
        fails("endpoints:\n  - name: a\n    adress: 10.0.0.1\n",
                "eps.yaml:3: endpoints[0].adress: unknown field 'adress'; known fields: [address, labels, name, "
                        + "namespace, port]");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n    port: \"80\"\n    labels: {gpu: 8}\n",
                "eps.yaml:5: endpoints[0].labels.gpu: label values must be strings (quote them), got 8");
        fails("endpoints:\n  - name: a\n    address: 10.0.0.1\n    port: \"80\"\n    labels: [a]\n",
                "eps.yaml:5: endpoints[0].labels: must be a mapping of label names to string values");
        fails("endpoint: []\n", "eps.yaml:1: endpoint: unknown field 'endpoint'; known fields: [endpoints]");
        fails("endpoints: {name: a}\n", "eps.yaml:1: endpoints: must be a list of {name, namespace, address, port, "
                + "labels}");
        fails("- name: a\n", "eps.yaml:1: the file must be a mapping with an 'endpoints' list");
        fails("endpoints: [\n", "eps.yaml:2: invalid YAML: expected the node content, but found '<stream end>'");
    }

    @Test
    void ipLiterals() {
        assertThat(FileDiscovery.isIpv4("0.0.0.0")).isTrue();
        assertThat(FileDiscovery.isIpv4("255.255.255.255")).isTrue();
        assertThat(FileDiscovery.isIpv4("1.2.3")).isFalse();
        assertThat(FileDiscovery.isIpv4("1.2.3.4.5")).isFalse();
        assertThat(FileDiscovery.isIpv4("1.2.3.")).isFalse();
        assertThat(FileDiscovery.isIpv4("١.2.3.4")).isFalse(); // non-ASCII digit
        assertThat(FileDiscovery.isIpv6("::")).isTrue();
        assertThat(FileDiscovery.isIpv6("::1")).isTrue();
        assertThat(FileDiscovery.isIpv6("1::")).isTrue();
        assertThat(FileDiscovery.isIpv6("2001:db8:0:0:0:0:2:1")).isTrue();
        assertThat(FileDiscovery.isIpv6("2001:db8::2:1")).isTrue();
        assertThat(FileDiscovery.isIpv6("64:ff9b::192.0.2.33")).isTrue();
        assertThat(FileDiscovery.isIpv6("2001:db8:0:0:0:0:2")).isFalse(); // 7 groups, no ::
        assertThat(FileDiscovery.isIpv6("2001:db8:0:0:0:0:2:1:7")).isFalse();
        assertThat(FileDiscovery.isIpv6("1:2:3:4:5:6:7::8")).isFalse(); // :: must stand for a group
        assertThat(FileDiscovery.isIpv6("1::2::3")).isFalse();
        assertThat(FileDiscovery.isIpv6("12345::1")).isFalse();
        assertThat(FileDiscovery.isIpv6("g::1")).isFalse();
        assertThat(FileDiscovery.isIpv6("fe80::1%eth0")).isFalse();
        assertThat(FileDiscovery.isIpv6(":1")).isFalse();
        assertThat(FileDiscovery.isIpv6("1:")).isFalse();
    }

    @Test
    void readsFilesUpTo1MiB(@TempDir Path dir) throws IOException {
        Path ok = dir.resolve("eps.yaml");
        Files.writeString(ok, "endpoints:\n- {name: a, address: 10.0.0.1, port: \"80\"}\n", StandardCharsets.UTF_8);
        FileDiscovery plugin = (FileDiscovery) FileDiscovery.FACTORY.create("files",
                YamlTree.parse("test", "{path: '" + ok + "'}").root(), PluginHandle.NONE);
        assertThat(plugin.watchFile()).isFalse();
        assertThat(plugin.read()).extracting(Endpoint::address).containsExactly("10.0.0.1:80");

        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "endpoints: []\n#" + "x".repeat(FileDiscovery.MAX_FILE_BYTES), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> FileDiscovery.read(big)).isInstanceOf(ConfigException.class)
                .hasMessage(big + ": endpoints file is larger than 1 MiB");
        assertThatThrownBy(() -> FileDiscovery.read(dir.resolve("missing.yaml"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir.resolve("missing.yaml") + ": cannot read endpoints file: ");
    }

    @Test
    void parameters() {
        assertThatThrownBy(() -> FileDiscovery.FACTORY.create("files",
                YamlTree.parse("test", "{watchFile: true}").root(),
                PluginHandle.NONE)).isInstanceOf(PluginConfigException.class)
                .hasMessage("path is required: the endpoints file to read");
    }
}
