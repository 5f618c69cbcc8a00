package io.quarkiverse.llmd.gateway.epp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.quarkiverse.llmd.gateway.epp.EppOptions.LogLevel;

/**
 * Where each honoured EPP flag goes in our configuration. {@link #ROWS} is the whole mapping, one row per property, so
 * that a renamed property is a one-line change. Only flags on the command line produce a property (the application's
 * own configuration keeps its say over the rest), except the pool the picker serves, which EPP mode always defines.
 */
public final class EppProperties {

    /** Prefix of the pool's properties; {@code %s} is the pool's name. */
    static final String POOL = "quarkus.llmd.pools.\"%s\".";

    /** Discovery source of a pool read from an InferencePool. */
    static final String SOURCE_INFERENCE_POOL = "inference-pool";

    /** Discovery source of a pool of pods found by a label selector (llm-d's standalone mode, no CRD). */
    static final String SOURCE_ENDPOINT_SELECTOR = "endpoint-selector";

    /** Name of the pool in standalone mode, where llm-d has no pool name. */
    static final String STANDALONE_POOL = "default";

    /** Our own log category; third-party libraries keep their levels unless the level is above INFO. */
    static final String LOG_CATEGORY = "quarkus.log.category.\"io.quarkiverse.llmd\".level";

    /** One property: its name ({@code %s} = the pool's name) and its value, empty when it does not apply. */
    private record Row(String property, Function<EppOptions, Optional<String>> value) {
    }

    private static final List<Row> ROWS = List.of(
            // EPP mode: in a cluster an empty pool stays empty, it is not filled with simulated pods
            always("quarkus.llmd.embedded-fleet.enabled", o -> "false"),

            // the pool
            always(POOL + "discovery.source",
                    o -> o.inferencePoolMode() ? SOURCE_INFERENCE_POOL : SOURCE_ENDPOINT_SELECTOR),
            always(POOL + "discovery.namespace", EppOptions::poolNamespace),
            when(POOL + "discovery.group", EppOptions::inferencePoolMode, EppOptions::poolGroup),
            optional(POOL + "discovery.endpoint-selector", EppOptions::endpointSelector),
            when(POOL + "discovery.target-ports", o -> !o.inferencePoolMode(),
                    o -> o.endpointTargetPorts().stream().map(String::valueOf).collect(Collectors.joining(","))),
            optional(POOL + "config-file", EppOptions::configFile),
            optional(POOL + "config-text", EppOptions::configText),
            given(EppFlag.POOL_NAME, "quarkus.llmd.metrics.pool-name", o -> o.poolName().orElseThrow()),
            given(EppFlag.DISABLE_ENDPOINT_SUBSET_FILTER, "quarkus.llmd.ext-proc.disable-endpoint-subset-filter",
                    o -> String.valueOf(o.disableEndpointSubsetFilter())),

            // ext_proc server
            given(EppFlag.GRPC_PORT, "quarkus.grpc.server.port", o -> String.valueOf(o.grpcPort())),
            given(EppFlag.GRPC_HEALTH_PORT, "quarkus.llmd.ext-proc.health-port",
                    o -> String.valueOf(o.grpcHealthPort())),
            given(EppFlag.SECURE_SERVING, "quarkus.llmd.ext-proc.secure-serving",
                    o -> String.valueOf(o.secureServing())),
            given(EppFlag.CERT_PATH, "quarkus.llmd.ext-proc.cert-path", o -> o.certPath().orElseThrow().toString()),
            given(EppFlag.TLS_MIN_VERSION, "quarkus.grpc.server.ssl.protocols",
                    o -> o.tlsMinVersion().orElseThrow().equals("VersionTLS13") ? "TLSv1.3" : "TLSv1.3,TLSv1.2"),
            given(EppFlag.TLS_CIPHER_SUITES, "quarkus.grpc.server.ssl.cipher-suites",
                    o -> String.join(",", o.tlsCipherSuites())),
            given(EppFlag.GRPC_MAX_RECV_MSG_SIZE, "quarkus.grpc.server.max-inbound-message-size",
                    o -> String.valueOf(o.grpcMaxRecvMsgSize().orElseThrow())),
            when(EppFlag.GRPC_ENABLE_COMPRESSION, "quarkus.grpc.server.compression",
                    EppOptions::grpcEnableCompression, o -> "gzip"),
            given(EppFlag.DRAIN_TIMEOUT, "quarkus.shutdown.timeout", o -> o.drainTimeout().toString()),

            // metrics
            given(EppFlag.REFRESH_METRICS_INTERVAL, "quarkus.llmd.data-layer.refresh-interval",
                    o -> o.refreshMetricsInterval().toString()),
            given(EppFlag.REFRESH_PROMETHEUS_METRICS_INTERVAL, "quarkus.llmd.metrics.per-pod-refresh-interval",
                    o -> o.refreshPrometheusMetricsInterval().toString()),
            given(EppFlag.MODEL_SERVER_METRICS_PATH, "quarkus.llmd.data-layer.metrics-path",
                    EppOptions::modelServerMetricsPath),
            given(EppFlag.METRICS_PORT, "quarkus.llmd.metrics.port", o -> String.valueOf(o.metricsPort())),

            // logging
            optional(LOG_CATEGORY, o -> o.logLevel().map(LogLevel::name)),
            optional("quarkus.log.level", o -> o.logLevel().filter(l -> l.compareTo(LogLevel.INFO) > 0)
                    .map(LogLevel::name)),
            given(EppFlag.ZAP_ENCODER, "quarkus.log.console.json.enabled", o -> String.valueOf(o.jsonLogs())),

            // the fabric8 Kubernetes client reads this system property
            given(EppFlag.KUBECONFIG, "kubeconfig", o -> o.kubeconfig().orElseThrow().toString()));

    private EppProperties() {
    }

    /** The configuration properties of a command line, in the order of {@link #ROWS}. */
    public static Map<String, String> of(EppOptions options) {
        String pool = options.poolName().orElse(STANDALONE_POOL);
        Map<String, String> properties = new LinkedHashMap<>();
        for (Row row : ROWS) {
            row.value().apply(options).ifPresent(v -> properties.put(row.property().formatted(pool), v));
        }
        return properties;
    }

    private static Row always(String property, Function<EppOptions, String> value) {
        return new Row(property, o -> Optional.of(value.apply(o)));
    }

    private static Row optional(String property, Function<EppOptions, Optional<String>> value) {
        return new Row(property, value);
    }

    private static Row when(String property, Predicate<EppOptions> applies,
            Function<EppOptions, String> value) {
        return new Row(property, o -> applies.test(o) ? Optional.of(value.apply(o)) : Optional.empty());
    }

    private static Row given(EppFlag flag, String property, Function<EppOptions, String> value) {
        return when(property, o -> o.isGiven(flag), value);
    }

    private static Row when(EppFlag flag, String property, Predicate<EppOptions> applies,
            Function<EppOptions, String> value) {
        return when(property, o -> o.isGiven(flag) && applies.test(o), value);
    }
}
