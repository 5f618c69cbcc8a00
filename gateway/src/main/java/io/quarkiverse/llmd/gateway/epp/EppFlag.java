package io.quarkiverse.llmd.gateway.epp;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every flag of llm-d's EPP command line ({@code /app/epp}, llm-d-router v0.10 plus flags older KServe presets still
 * pass), with its value syntax and what it does here. A flag is either honoured (it becomes configuration, see
 * {@link EppProperties}) or accepted with a note saying why it has no meaning in this implementation; the note is
 * logged at start, as a warning when the difference matters for security or operations.
 */
public enum EppFlag {

    // InferencePool, or standalone endpoints in lieu of one
    POOL_NAME("pool-name", Type.STRING, "Name of the InferencePool this picker serves."),
    POOL_NAMESPACE("pool-namespace", Type.STRING, "Namespace of the InferencePool (default: $NAMESPACE, else default)."),
    POOL_GROUP("pool-group", Type.STRING, "API group of the InferencePool (inference.networking.k8s.io)."),
    ENDPOINT_SELECTOR("endpoint-selector", Type.LABEL_SELECTOR,
            "Label selector of the model-server pods, without an InferencePool (needs --endpoint-target-ports)."),
    ENDPOINT_TARGET_PORTS("endpoint-target-ports", Type.PORT_LIST,
            "Comma-separated ports of the model servers (1 to 8), with --endpoint-selector."),
    DISABLE_ENDPOINT_SUBSET_FILTER("disable-endpoint-subset-filter", Type.BOOL,
            "Ignore the proxy's endpoint subset hint."),

    // ext_proc server
    GRPC_PORT("grpc-port", Type.PORT, "Port of the ext_proc gRPC server (9002)."),
    GRPC_HEALTH_PORT("grpc-health-port", Type.PORT, "Port of the gRPC health server (9003)."),
    SECURE_SERVING("secure-serving", Type.BOOL, "Serve ext_proc over TLS (true)."),
    CERT_PATH("cert-path", Type.STRING, "Directory with tls.crt and tls.key; without it a self-signed certificate."),
    TLS_MIN_VERSION("tls-min-version", Type.choice("VersionTLS12", "VersionTLS13"),
            "Lowest TLS version of the ext_proc server."),
    TLS_CIPHER_SUITES("tls-cipher-suites", Type.STRING_LIST, "Comma-separated TLS cipher suites (IANA names)."),
    GRPC_MAX_RECV_MSG_SIZE("grpc-max-recv-msg-size", Type.BYTE_SIZE, "Largest gRPC message received (e.g. 10MiB)."),
    GRPC_ENABLE_COMPRESSION("grpc-enable-compression", Type.BOOL, "gzip-compress gRPC responses."),
    DRAIN_TIMEOUT("drain-timeout", Type.DURATION, "Time in-flight requests get to finish on shutdown (30s)."),

    // configuration
    CONFIG_FILE("config-file", Type.STRING, "Path of the EndpointPickerConfig YAML."),
    CONFIG_TEXT("config-text", Type.STRING, "The EndpointPickerConfig YAML itself."),

    // metrics of the model servers, and our own
    REFRESH_METRICS_INTERVAL("refresh-metrics-interval", Type.DURATION,
            "Interval between scrapes of a model server (50ms, also the lowest accepted)."),
    REFRESH_PROMETHEUS_METRICS_INTERVAL("refresh-prometheus-metrics-interval", Type.DURATION,
            "Interval at which the pool gauges are recomputed (5s)."),
    MODEL_SERVER_METRICS_PATH("model-server-metrics-path", Type.STRING,
            "Path of the model servers' metrics page (/metrics)."),
    METRICS_PORT("metrics-port", Type.PORT, "Port of the picker's Prometheus metrics (9090)."),

    // logging
    ZAP_LOG_LEVEL("zap-log-level", Type.LOG_LEVEL, "debug, info, warn, error, panic, or a verbosity 1 to 5."),
    V("v", Type.INT, "Log verbosity: 4 is debug, 5 and more trace."),
    ZAP_ENCODER("zap-encoder", Type.choice("json", "console"), "Log line format."),

    // Kubernetes client
    KUBECONFIG("kubeconfig", Type.STRING, "Path of a kubeconfig, when not running in a pod."),

    // accepted, no meaning here
    HA_ENABLE_LEADER_ELECTION("ha-enable-leader-election", Type.BOOL, "Leader election between replicas.",
            Severity.INFO, "every replica routes traffic (active-active) and is ready on its own; there is no"
                    + " leader election and no lease"),
    ENABLE_CERT_RELOAD("enable-cert-reload", Type.BOOL, "Reload the certificate in --cert-path when it changes.",
            Severity.INFO, "the certificate in --cert-path is always reloaded when it changes (checked every"
                    + " quarkus.llmd.ext-proc.cert-reload-period, 30s by default)"),
    GRPC_MAX_SEND_MSG_SIZE("grpc-max-send-msg-size", Type.BYTE_SIZE, "Largest gRPC message sent.",
            Severity.INFO, "messages sent are not limited"),
    ENABLE_GRPC_STREAM_METRICS("enable-grpc-stream-metrics", Type.BOOL, "Meters of ext_proc streams.",
            Severity.INFO, "there are no per-stream ext_proc meters"),
    EMIT_ENDPOINT_SCORES("emit-endpoint-scores", Type.BOOL, "Endpoint scores in the envoy.lb metadata.",
            Severity.INFO, "endpoint scores are not added to the envoy.lb dynamic metadata"),
    METRICS_STALENESS_THRESHOLD("metrics-staleness-threshold", Type.DURATION, "Age at which metrics are stale.",
            Severity.INFO, "the scraper's own timeout decides when a model server's metrics are stale"),
    METRICS_ENDPOINT_AUTH("metrics-endpoint-auth", Type.BOOL, "Kubernetes authn/authz on the metrics endpoint.",
            Severity.WARN, "the metrics endpoint has no authentication; restrict it with a NetworkPolicy"),
    METRICS_CERT_DIR("metrics-cert-dir", Type.STRING, "Certificates of a TLS metrics endpoint.",
            Severity.WARN, "the metrics endpoint speaks plain HTTP"),
    METRICS_CLIENT_CA_FILE("metrics-client-ca-file", Type.STRING, "CA of metrics clients (mTLS).",
            Severity.WARN, "the metrics endpoint speaks plain HTTP and asks for no client certificate"),
    MODEL_SERVER_METRICS_SCHEME("model-server-metrics-scheme", Type.choice("http", "https"),
            "Scheme of the model servers' metrics (deprecated in llm-d).",
            Severity.WARN, "model servers are scraped over plain HTTP"),
    MODEL_SERVER_METRICS_PORT("model-server-metrics-port", Type.PORT,
            "Port of the model servers' metrics (deprecated in llm-d).",
            Severity.INFO, "each endpoint is scraped on its own target port"),
    MODEL_SERVER_METRICS_HTTPS_INSECURE_SKIP_VERIFY("model-server-metrics-https-insecure-skip-verify", Type.BOOL,
            "Skip verifying the model servers' certificates (deprecated in llm-d).",
            Severity.INFO, "model servers are scraped over plain HTTP"),
    TOTAL_QUEUED_REQUESTS_METRIC("total-queued-requests-metric", Type.STRING, "Queue length metric (deprecated).",
            Severity.INFO, "the model servers' metric names are built in (vLLM's)"),
    TOTAL_RUNNING_REQUESTS_METRIC("total-running-requests-metric", Type.STRING, "Running requests metric (deprecated).",
            Severity.INFO, "the model servers' metric names are built in (vLLM's)"),
    KV_CACHE_USAGE_PERCENTAGE_METRIC("kv-cache-usage-percentage-metric", Type.STRING,
            "KV-cache utilisation metric (deprecated).",
            Severity.INFO, "the model servers' metric names are built in (vLLM's)"),
    LORA_INFO_METRIC("lora-info-metric", Type.STRING, "LoRA metric (deprecated).",
            Severity.INFO, "the model servers' metric names are built in (vLLM's)"),
    CACHE_INFO_METRIC("cache-info-metric", Type.STRING, "Cache configuration metric (deprecated).",
            Severity.INFO, "the model servers' metric names are built in (vLLM's)"),
    TRACING("tracing", Type.BOOL, "Emit OpenTelemetry traces.",
            Severity.INFO, "this image emits no traces"),
    HEALTH_CHECKING("health-checking", Type.BOOL, "Health checking.",
            Severity.INFO, "the gRPC health server always runs"),
    ENABLE_PPROF("enable-pprof", Type.BOOL, "Go profiling handlers.",
            Severity.INFO, "Go's profiler does not exist here; use Java Flight Recorder"),
    ALLOW_EXPERIMENTAL_PLUGINS("allow-experimental-plugins", Type.BOOL, "Load Alpha plugins.",
            Severity.INFO, "every plugin type implemented here loads, whatever its stability in llm-d"),
    ZAP_DEVEL("zap-devel", Type.BOOL, "Development logging defaults.",
            Severity.INFO, "use --zap-log-level and --zap-encoder"),
    ZAP_STACKTRACE_LEVEL("zap-stacktrace-level", Type.choice("info", "error", "panic"),
            "Level from which stack traces are logged.",
            Severity.INFO, "a logged exception always carries its stack trace"),
    ZAP_TIME_ENCODING("zap-time-encoding",
            Type.choice("epoch", "millis", "nano", "iso8601", "rfc3339", "rfc3339nano"), "Timestamp format.",
            Severity.INFO, "timestamps use the logging format's own encoding");

    /** How bad it is that a flag has no meaning here. */
    public enum Severity {
        /** Nothing a user relies on changes. */
        INFO,
        /** Security or operations differ from llm-d's: the user should know. */
        WARN
    }

    private static final Map<String, EppFlag> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EppFlag::flagName, Function.identity()));

    private final String flagName;
    private final Type type;
    private final String usage;
    private final Severity severity;
    private final String ignoredBecause;

    EppFlag(String flagName, Type type, String usage) {
        this(flagName, type, usage, null, null);
    }

    EppFlag(String flagName, Type type, String usage, Severity severity, String ignoredBecause) {
        this.flagName = flagName;
        this.type = type;
        this.usage = usage;
        this.severity = severity;
        this.ignoredBecause = ignoredBecause;
    }

    /** The flag as llm-d spells it, without dashes ({@code pool-name}). */
    public String flagName() {
        return flagName;
    }

    /** {@code --pool-name}, as messages show it ({@code -v} for the one-letter flag). */
    public String display() {
        return (flagName.length() == 1 ? "-" : "--") + flagName;
    }

    /** Syntax of the value. */
    public Type type() {
        return type;
    }

    /** One line for {@code --help} and the docs. */
    public String usage() {
        return usage;
    }

    /** Whether the flag changes this implementation's behaviour; if not, {@link #ignoredBecause()} says why. */
    public boolean honoured() {
        return ignoredBecause == null;
    }

    /** Why an accepted flag has no effect here; empty for an honoured flag. */
    public Optional<String> ignoredBecause() {
        return Optional.ofNullable(ignoredBecause);
    }

    /** How loudly the note of an ignored flag is logged; {@link Severity#INFO} for an honoured flag. */
    public Severity severity() {
        return severity == null ? Severity.INFO : severity;
    }

    /** The flag of a name as given after the dashes, kebab-case or GAIE's older camelCase. */
    static Optional<EppFlag> byName(String name) {
        EppFlag flag = BY_NAME.get(name);
        return flag != null ? Optional.of(flag) : Optional.ofNullable(BY_NAME.get(GoValues.kebab(name)));
    }

    /** Value syntaxes. */
    public record Type(Kind kind, List<String> choices) {

        /** The value kinds of pflag that llm-d uses. */
        public enum Kind {
            /** {@code --flag}, {@code --flag=true|false}. */
            BOOL,
            /** A decimal integer. */
            INT,
            /** 0 to 65535. */
            PORT,
            /** Comma-separated ports; repeating the flag adds to the list. */
            PORT_LIST,
            /** Any text. */
            STRING,
            /** Comma-separated words. */
            STRING_LIST,
            /** A Go duration: 50ms, 1m30s. */
            DURATION,
            /** A Kubernetes quantity of bytes: 10Mi, 10MiB, 25MB. */
            BYTE_SIZE,
            /** A Kubernetes label selector: {@code app=vllm,tier in (gpu)}. */
            LABEL_SELECTOR,
            /** zap's level names or a verbosity. */
            LOG_LEVEL,
            /** One of {@link Type#choices()}. */
            CHOICE
        }

        static final Type BOOL = new Type(Kind.BOOL, List.of());
        static final Type INT = new Type(Kind.INT, List.of());
        static final Type PORT = new Type(Kind.PORT, List.of());
        static final Type PORT_LIST = new Type(Kind.PORT_LIST, List.of());
        static final Type STRING = new Type(Kind.STRING, List.of());
        static final Type STRING_LIST = new Type(Kind.STRING_LIST, List.of());
        static final Type DURATION = new Type(Kind.DURATION, List.of());
        static final Type BYTE_SIZE = new Type(Kind.BYTE_SIZE, List.of());
        static final Type LOG_LEVEL = new Type(Kind.LOG_LEVEL, List.of());
        static final Type LABEL_SELECTOR = new Type(Kind.LABEL_SELECTOR, List.of());

        static Type choice(String... choices) {
            return new Type(Kind.CHOICE, List.of(choices));
        }
    }
}
