package io.quarkiverse.llmd.gateway.epp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.gateway.epp.EppFlag.Severity;
import io.quarkiverse.llmd.gateway.epp.EppOptions.LogLevel;
import io.quarkiverse.llmd.gateway.epp.EppOptions.Note;

/** llm-d's EPP command line, from KServe's scheduler preset to every flag llm-d v0.10 defines. */
class EppCommandLineTest {

    private static final Map<String, String> NO_ENV = Map.of();

    /** KServe's scheduler preset (kserve-config-llm-scheduler) for an LLMInferenceService "qwen" in "llm". */
    static final List<String> KSERVE_PRESET = List.of(
            "--pool-name", "qwen-inference-pool", "--pool-namespace", "llm", "--zap-encoder", "json",
            "--grpc-port", "9002", "--grpc-health-port", "9003");

    /** What the preset adds when KServe serves TLS. */
    static final List<String> KSERVE_TLS = List.of(
            "--enable-cert-reload=true", "--secure-serving=true", "--model-server-metrics-scheme=https",
            "--cert-path=/var/run/kserve/tls");

    private static final String POOL = "quarkus.llmd.pools.\"qwen-inference-pool\".";

    @Test
    void kservePresetArgumentsBecomeThePoolAndThePorts() throws Exception {
        EppOptions options = EppCommandLine.parse(KSERVE_PRESET, NO_ENV);
        assertThat(options.poolName()).contains("qwen-inference-pool");
        assertThat(options.poolNamespace()).isEqualTo("llm");
        assertThat(options.poolGroup()).isEqualTo("inference.networking.k8s.io");
        assertThat(options.grpcPort()).isEqualTo(9002);
        assertThat(options.grpcHealthPort()).isEqualTo(9003);
        assertThat(options.jsonLogs()).isTrue();
        assertThat(options.secureServing()).as("llm-d's default").isTrue();
        assertThat(options.notes()).isEmpty();
        assertThat(options.ignored()).isEmpty();

        assertThat(EppProperties.of(options)).containsExactly(
                entry("quarkus.llmd.embedded-fleet.enabled", "false"),
                entry(POOL + "discovery.source", "inference-pool"),
                entry(POOL + "discovery.namespace", "llm"),
                entry(POOL + "discovery.group", "inference.networking.k8s.io"),
                entry("quarkus.llmd.metrics.pool-name", "qwen-inference-pool"),
                entry("quarkus.grpc.server.port", "9002"),
                entry("quarkus.llmd.ext-proc.health-port", "9003"),
                entry("quarkus.log.console.json.enabled", "true"));
    }

    @Test
    void kservePresetWithTls() throws Exception {
        List<String> args = new ArrayList<>(KSERVE_PRESET);
        args.addAll(KSERVE_TLS);
        EppOptions options = EppCommandLine.parse(args, NO_ENV);

        assertThat(EppProperties.of(options))
                .containsEntry("quarkus.llmd.ext-proc.secure-serving", "true")
                .containsEntry("quarkus.llmd.ext-proc.cert-path", "/var/run/kserve/tls")
                .containsEntry(POOL + "discovery.namespace", "llm")
                .containsEntry("quarkus.grpc.server.port", "9002");
        assertThat(options.ignored()).containsOnly(entry(EppFlag.ENABLE_CERT_RELOAD, "true"),
                entry(EppFlag.MODEL_SERVER_METRICS_SCHEME, "https"));
        assertThat(options.notes()).extracting(Note::flag, Note::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple(EppFlag.ENABLE_CERT_RELOAD, Severity.INFO),
                org.assertj.core.groups.Tuple.tuple(EppFlag.MODEL_SERVER_METRICS_SCHEME, Severity.WARN));
        assertThat(options.notes().get(0).message()).startsWith("--enable-cert-reload has no effect here: ");
    }

    @Test
    void kserveV016CamelCaseSpellingsWorkWithANote() throws Exception {
        EppOptions options = EppCommandLine.parse(List.of("--poolName", "qwen-inference-pool", "--poolNamespace",
                "llm", "--zap-encoder", "json", "--grpcPort", "9002", "--grpcHealthPort", "9003"), NO_ENV);
        assertThat(EppProperties.of(options)).isEqualTo(EppProperties.of(EppCommandLine.parse(KSERVE_PRESET, NO_ENV)));
        assertThat(options.notes()).extracting(Note::message).containsExactly(
                "--poolName is the older GAIE spelling of --pool-name",
                "--poolNamespace is the older GAIE spelling of --pool-namespace",
                "--grpcPort is the older GAIE spelling of --grpc-port",
                "--grpcHealthPort is the older GAIE spelling of --grpc-health-port");
    }

    @Test
    void deprecatedMetricFlagsOfOlderPresetsAreAccepted() throws Exception {
        List<String> args = new ArrayList<>(KSERVE_PRESET);
        args.addAll(List.of("--kv-cache-usage-percentage-metric", "vllm:kv_cache_usage_perc"));
        EppOptions options = EppCommandLine.parse(args, NO_ENV);
        assertThat(options.ignored()).containsOnly(entry(EppFlag.KV_CACHE_USAGE_PERCENTAGE_METRIC,
                "vllm:kv_cache_usage_perc"));
        assertThat(EppProperties.of(options)).isEqualTo(EppProperties.of(EppCommandLine.parse(KSERVE_PRESET, NO_ENV)));
    }

    @Test
    void unknownFlagIsAnErrorNamingIt() {
        assertUsageError(List.of("--pool-name", "p", "--no-such-flag", "x"), "unknown flag: --no-such-flag");
        assertUsageError(List.of("--pool-name", "p", "--bogus=1"), "unknown flag: --bogus");
        assertUsageError(List.of("-poolname", "p"), "unknown flag: -poolname");
        assertUsageError(List.of("--pool-name", "p", "stray"), "unexpected argument \"stray\"");
        assertUsageError(List.of("--pool-name", "p", "--", "stray"), "unexpected argument \"stray\"");
    }

    @Test
    void badValuesAreErrorsNamingTheFlag() {
        assertUsageError(List.of("--pool-name", "p", "--grpc-port", "abc"),
                "invalid value for --grpc-port: invalid integer \"abc\"");
        assertUsageError(List.of("--pool-name", "p", "--metrics-port=70000"),
                "invalid value for --metrics-port: port 70000 is outside 0-65535");
        assertUsageError(List.of("--pool-name", "p", "--refresh-metrics-interval", "5x"),
                "invalid value for --refresh-metrics-interval: invalid duration \"5x\"");
        assertUsageError(List.of("--pool-name", "p", "--refresh-metrics-interval", "0"),
                "invalid value for --refresh-metrics-interval: it must be positive");
        assertUsageError(List.of("--pool-name", "p", "--zap-encoder", "xml"),
                "invalid value for --zap-encoder: \"xml\" is not one of json, console");
        assertUsageError(List.of("--pool-name", "p", "--secure-serving=maybe"),
                "invalid value for --secure-serving: invalid boolean \"maybe\"");
        assertUsageError(List.of("--pool-name", "p", "--zap-log-level", "loud"),
                "invalid value for --zap-log-level: \"loud\" is not a level");
        assertUsageError(List.of("--pool-name", "p", "-v", "-1"), "invalid value for -v: verbosity -1 is negative");
        assertUsageError(List.of("--pool-name", "p", "--grpc-max-recv-msg-size", "3Gi"),
                "invalid value for --grpc-max-recv-msg-size: 3Gi is more than 2 GiB");
        // flags without effect still have their values checked, as llm-d does
        assertUsageError(List.of("--pool-name", "p", "--enable-pprof=nope"), "invalid value for --enable-pprof");
        assertUsageError(List.of("--pool-name"), "flag needs an argument: --pool-name");
        assertUsageError(List.of("--endpoint-selector", "app=-bad", "--endpoint-target-ports=8000"),
                "invalid value for --endpoint-selector: invalid label value \"-bad\"");
        assertUsageError(List.of("--endpoint-selector", "tier in gpu", "--endpoint-target-ports=8000"),
                "invalid value for --endpoint-selector: expected '(' after 'in'");
    }

    @Test
    void equalsAndSpaceFormsAreTheSame() throws Exception {
        EppOptions spaced = EppCommandLine.parse(List.of("--pool-name", "p", "--pool-namespace", "ns",
                "--config-file", "/etc/epp/config.yaml", "--refresh-metrics-interval", "100ms", "--metrics-port",
                "9091", "--zap-log-level", "debug"), NO_ENV);
        EppOptions joined = EppCommandLine.parse(List.of("--pool-name=p", "--pool-namespace=ns",
                "--config-file=/etc/epp/config.yaml", "--refresh-metrics-interval=100ms", "-metrics-port=9091",
                "-zap-log-level=debug"), NO_ENV);
        assertThat(EppProperties.of(joined)).isEqualTo(EppProperties.of(spaced)).containsEntry(
                "quarkus.llmd.pools.\"p\".config-file", "/etc/epp/config.yaml")
                .containsEntry("quarkus.llmd.data-layer.refresh-interval", "PT0.1S")
                .containsEntry("quarkus.llmd.metrics.port", "9091")
                .containsEntry("quarkus.log.category.\"io.quarkiverse.llmd\".level", "DEBUG");
        // a value may itself contain '=' (only the first one splits)
        EppOptions text = EppCommandLine.parse(List.of("--pool-name=p", "--config-text=a: b=c"), NO_ENV);
        assertThat(text.configText()).contains("a: b=c");
    }

    @Test
    void booleanForms() throws Exception {
        assertThat(EppCommandLine.parse(List.of("--pool-name=p", "--secure-serving"), NO_ENV).secureServing())
                .isTrue();
        assertThat(EppCommandLine.parse(List.of("--pool-name=p", "--secure-serving=false"), NO_ENV).secureServing())
                .isFalse();
        assertThat(EppCommandLine.parse(List.of("--pool-name=p", "-secure-serving=0"), NO_ENV).secureServing())
                .isFalse();
        assertThat(EppCommandLine.parse(List.of("--pool-name=p", "--secure-serving=F", "--secure-serving=T"),
                NO_ENV).secureServing()).as("last one wins").isTrue();
        EppOptions off = EppCommandLine.parse(List.of("--pool-name=p", "--secure-serving=false",
                "--disable-endpoint-subset-filter"), NO_ENV);
        assertThat(EppProperties.of(off)).containsEntry("quarkus.llmd.ext-proc.secure-serving", "false")
                .containsEntry("quarkus.llmd.ext-proc.disable-endpoint-subset-filter", "true");
        // Go's flag package never reads "false" after a boolean flag as its value
        assertUsageError(List.of("--pool-name=p", "--secure-serving", "false"),
                "unexpected argument \"false\": write --secure-serving=false");
    }

    @Test
    void ignoredBooleanSwitchedOffIsOnlyInfo() throws Exception {
        EppOptions options = EppCommandLine.parse(List.of("--pool-name=p", "--metrics-endpoint-auth=false",
                "--metrics-endpoint-auth=false", "--allow-experimental-plugins=false", "--ha-enable-leader-election"),
                NO_ENV);
        assertThat(options.notes()).extracting(Note::flag, Note::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple(EppFlag.METRICS_ENDPOINT_AUTH, Severity.INFO),
                org.assertj.core.groups.Tuple.tuple(EppFlag.ALLOW_EXPERIMENTAL_PLUGINS, Severity.INFO),
                org.assertj.core.groups.Tuple.tuple(EppFlag.HA_ENABLE_LEADER_ELECTION, Severity.INFO));
        assertThat(EppCommandLine.parse(List.of("--pool-name=p", "--metrics-endpoint-auth"), NO_ENV).notes())
                .extracting(Note::severity).containsExactly(Severity.WARN);
    }

    @Test
    void poolNameOrEndpointSelectorExactlyOnce() {
        assertUsageError(List.of("--grpc-port", "9002"), "either --pool-name or --endpoint-selector must be set");
        assertUsageError(List.of("--pool-name", ""), "either --pool-name or --endpoint-selector must be set");
        assertUsageError(List.of("--pool-name", "p", "--endpoint-selector", "app=vllm"),
                "--pool-name and --endpoint-selector cannot both be set");
        assertUsageError(List.of("--endpoint-selector", "app=vllm"), "--endpoint-target-ports must list 1 to 8 ports");
        assertUsageError(List.of("--endpoint-selector", "app=vllm", "--endpoint-target-ports", "1,2,3,4,5,6,7,8,9"),
                "--endpoint-target-ports must list 1 to 8 ports with --endpoint-selector, got 9");
    }

    @Test
    void standaloneModeWithoutAnInferencePool() throws Exception {
        EppOptions options = EppCommandLine.parse(List.of("--endpoint-selector", "app=vllm,tier in (gpu)",
                "--endpoint-target-ports", "8000,8001", "--endpoint-target-ports=8001,8002"),
                Map.of("NAMESPACE", "serving"));
        assertThat(options.inferencePoolMode()).isFalse();
        assertThat(options.endpointTargetPorts()).as("repeats add up, duplicates dropped").containsExactly(8000,
                8001, 8002);
        String pool = "quarkus.llmd.pools.\"default\".";
        assertThat(EppProperties.of(options)).containsExactly(
                entry("quarkus.llmd.embedded-fleet.enabled", "false"),
                entry(pool + "discovery.source", "endpoint-selector"),
                entry(pool + "discovery.namespace", "serving"),
                entry(pool + "discovery.endpoint-selector", "app=vllm,tier in (gpu)"),
                entry(pool + "discovery.target-ports", "8000,8001,8002"));
    }

    @Test
    void poolNamespaceFromTheFlagThenNamespaceEnvThenDefault() throws Exception {
        Map<String, String> env = Map.of("NAMESPACE", "from-env");
        assertThat(EppCommandLine.parse(List.of("--pool-name=p", "--pool-namespace=flag"), env).poolNamespace())
                .isEqualTo("flag");
        assertThat(EppCommandLine.parse(List.of("--pool-name=p"), env).poolNamespace()).isEqualTo("from-env");
        assertThat(EppCommandLine.parse(List.of("--pool-name=p"), NO_ENV).poolNamespace()).isEqualTo("default");
    }

    @Test
    void refreshMetricsIntervalHasA50MillisecondFloor() throws Exception {
        EppOptions fast = EppCommandLine.parse(List.of("--pool-name=p", "--refresh-metrics-interval=10ms"), NO_ENV);
        assertThat(fast.refreshMetricsInterval()).isEqualTo(Duration.ofMillis(50));
        assertThat(EppProperties.of(fast)).containsEntry("quarkus.llmd.data-layer.refresh-interval", "PT0.05S");
        assertThat(fast.notes()).singleElement().satisfies(n -> {
            assertThat(n.severity()).isEqualTo(Severity.WARN);
            assertThat(n.message()).isEqualTo("--refresh-metrics-interval 10ms is below llm-d's floor; using 50ms");
        });
        EppOptions slow = EppCommandLine.parse(List.of("--pool-name=p", "--refresh-metrics-interval=1m30s",
                "--refresh-prometheus-metrics-interval=10s", "--drain-timeout=45s"), NO_ENV);
        assertThat(EppProperties.of(slow)).containsEntry("quarkus.llmd.data-layer.refresh-interval", "PT1M30S")
                .containsEntry("quarkus.llmd.metrics.per-pod-refresh-interval", "PT10S")
                .containsEntry("quarkus.shutdown.timeout", "PT45S");
        assertThat(slow.notes()).isEmpty();
    }

    @Test
    void configFileAndTextExcludeEachOther() throws Exception {
        assertUsageError(List.of("--pool-name=p", "--config-file=/a.yaml", "--config-text=x: y"),
                "--config-file and --config-text cannot both be set");
        String yaml = "apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\n";
        EppOptions options = EppCommandLine.parse(List.of("--pool-name", "p", "--config-text", yaml), NO_ENV);
        assertThat(EppProperties.of(options)).containsEntry("quarkus.llmd.pools.\"p\".config-text", yaml)
                .doesNotContainKey("quarkus.llmd.pools.\"p\".config-file");
    }

    @Test
    void logLevels() throws Exception {
        String category = "quarkus.log.category.\"io.quarkiverse.llmd\".level";
        assertThat(level("-v", "4")).isEqualTo(LogLevel.DEBUG);
        assertThat(level("--v=5")).isEqualTo(LogLevel.TRACE);
        assertThat(level("-v=2")).as("verbose info is still info").isEqualTo(LogLevel.INFO);
        assertThat(level("--zap-log-level", "error")).isEqualTo(LogLevel.ERROR);
        assertThat(level("--zap-log-level=5")).isEqualTo(LogLevel.TRACE);
        assertThat(level("--zap-log-level=debug", "-v", "1")).as("last one wins").isEqualTo(LogLevel.INFO);
        assertThat(EppProperties.of(EppCommandLine.parse(List.of("--pool-name=p", "--zap-log-level=error"), NO_ENV)))
                .containsEntry(category, "ERROR").containsEntry("quarkus.log.level", "ERROR");
        assertThat(EppProperties.of(EppCommandLine.parse(List.of("--pool-name=p", "-v=4"), NO_ENV)))
                .containsEntry(category, "DEBUG").doesNotContainKey("quarkus.log.level");
        assertThat(EppProperties.of(EppCommandLine.parse(List.of("--pool-name=p", "--zap-encoder=console"), NO_ENV)))
                .containsEntry("quarkus.log.console.json.enabled", "false");
    }

    @Test
    void grpcServerLimitsAndTls() throws Exception {
        EppOptions options = EppCommandLine.parse(List.of("--pool-name=p", "--grpc-max-recv-msg-size=10MiB",
                "--grpc-enable-compression", "--tls-min-version=VersionTLS13",
                "--tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384", "--kubeconfig=/home/me/.kube/config"),
                NO_ENV);
        assertThat(EppProperties.of(options))
                .containsEntry("quarkus.grpc.server.max-inbound-message-size", "10485760")
                .containsEntry("quarkus.grpc.server.compression", "gzip")
                .containsEntry("quarkus.grpc.server.ssl.protocols", "TLSv1.3")
                .containsEntry("quarkus.grpc.server.ssl.cipher-suites", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384")
                .containsEntry("kubeconfig", "/home/me/.kube/config");
        EppOptions tls12 = EppCommandLine.parse(List.of("--pool-name=p", "--tls-min-version=VersionTLS12",
                "--grpc-enable-compression=false"), NO_ENV);
        assertThat(EppProperties.of(tls12)).containsEntry("quarkus.grpc.server.ssl.protocols", "TLSv1.3,TLSv1.2")
                .doesNotContainKey("quarkus.grpc.server.compression");
    }

    /** Every flag the reference pages name for llm-d's EPP (scheduler-epp.md 7.1, llm-d v0.10 deltas 4.5). */
    @Test
    void everyFlagOfTheReferenceIsKnown() {
        List<String> reference = List.of("grpc-port", "grpc-health-port", "metrics-port", "secure-serving",
                "cert-path", "enable-cert-reload", "pool-name", "pool-namespace", "pool-group", "endpoint-selector",
                "endpoint-target-ports", "disable-endpoint-subset-filter", "ha-enable-leader-election",
                "refresh-metrics-interval", "refresh-prometheus-metrics-interval", "metrics-staleness-threshold",
                "model-server-metrics-scheme", "model-server-metrics-path", "model-server-metrics-port",
                "model-server-metrics-https-insecure-skip-verify", "config-file", "config-text", "tracing",
                "health-checking", "enable-pprof", "v", "zap-devel", "zap-encoder", "zap-log-level",
                "zap-stacktrace-level", "zap-time-encoding", "drain-timeout", "tls-min-version", "tls-cipher-suites",
                "metrics-cert-dir", "metrics-client-ca-file", "grpc-max-recv-msg-size", "grpc-max-send-msg-size",
                "grpc-enable-compression", "enable-grpc-stream-metrics", "emit-endpoint-scores",
                "allow-experimental-plugins", "metrics-endpoint-auth");
        assertThat(Arrays.stream(EppFlag.values()).map(EppFlag::flagName)).containsAll(reference);
    }

    /** Each flag parses with a value of its type: nothing in the table is declared but unparseable. */
    @Test
    void everyFlagParses() throws Exception {
        for (EppFlag flag : EppFlag.values()) {
            String value = switch (flag.type().kind()) {
                case BOOL -> "true";
                case INT, LOG_LEVEL -> "3";
                case PORT -> "9100";
                case PORT_LIST -> "8000";
                case STRING, STRING_LIST -> "x";
                case DURATION -> "2s";
                case BYTE_SIZE -> "4Mi";
                case CHOICE -> flag.type().choices().get(0);
                case LABEL_SELECTOR -> "app=vllm";
            };
            List<String> args = new ArrayList<>(List.of("--" + flag.flagName() + "=" + value));
            if (flag != EppFlag.POOL_NAME && flag != EppFlag.ENDPOINT_SELECTOR) {
                args.add("--pool-name=p");
            }
            if (flag == EppFlag.ENDPOINT_SELECTOR) {
                args.add("--endpoint-target-ports=8000");
            }
            EppOptions options = EppCommandLine.parse(args, NO_ENV);
            assertThat(options.isGiven(flag)).as(flag.flagName()).isTrue();
            assertThat(options.ignored().containsKey(flag)).as(flag.flagName()).isEqualTo(!flag.honoured());
        }
    }

    @Test
    void helpListsEveryFlag() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EppMain.usage(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String help = bytes.toString(StandardCharsets.UTF_8);
        for (EppFlag flag : EppFlag.values()) {
            assertThat(help).contains(flag.display() + " ");
        }
        assertThat(help).contains("[accepted, no effect: the certificate in --cert-path is always reloaded");
    }

    private static LogLevel level(String... flags) throws EppUsageException {
        List<String> args = new ArrayList<>(List.of("--pool-name=p"));
        args.addAll(List.of(flags));
        return EppCommandLine.parse(args, NO_ENV).logLevel().orElseThrow();
    }

    private static void assertUsageError(List<String> args, String message) {
        assertThatThrownBy(() -> EppCommandLine.parse(args, NO_ENV)).as(String.join(" ", args))
                .isInstanceOf(EppUsageException.class).hasMessageContaining(message);
    }
}
