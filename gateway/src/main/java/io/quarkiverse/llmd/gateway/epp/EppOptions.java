package io.quarkiverse.llmd.gateway.epp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * llm-d's EPP command line, parsed and checked by {@link EppCommandLine}. Every component holds llm-d's default when
 * its flag is absent; {@link #given()} tells which flags were on the command line, since only those (and the pool
 * they name) become configuration. Flags accepted without meaning here are kept as given in {@link #ignored()}.
 *
 * @param poolName the InferencePool ({@code --pool-name}); empty in standalone mode
 * @param poolNamespace its namespace: the flag, else {@code $NAMESPACE}, else {@code default}
 * @param poolGroup its API group
 * @param endpointSelector the pods' label selector in standalone mode ({@code --endpoint-selector})
 * @param endpointTargetPorts their ports in standalone mode, duplicates removed
 * @param disableEndpointSubsetFilter whether the proxy's subset hint is ignored
 * @param grpcPort ext_proc port
 * @param grpcHealthPort gRPC health port
 * @param secureServing whether ext_proc speaks TLS
 * @param certPath directory of {@code tls.crt} / {@code tls.key}
 * @param tlsMinVersion {@code VersionTLS12} or {@code VersionTLS13}
 * @param tlsCipherSuites cipher suites, IANA names; empty = the JDK's defaults
 * @param grpcMaxRecvMsgSize largest gRPC message received, in bytes
 * @param grpcEnableCompression whether gRPC responses are gzip-compressed
 * @param drainTimeout time in-flight requests get on shutdown
 * @param configFile EndpointPickerConfig file
 * @param configText EndpointPickerConfig text
 * @param refreshMetricsInterval scrape interval, at least {@link EppCommandLine#MIN_REFRESH_METRICS_INTERVAL}
 * @param refreshPrometheusMetricsInterval interval of the pool gauges
 * @param modelServerMetricsPath path of the model servers' metrics page
 * @param metricsPort port of our Prometheus metrics
 * @param logLevel log level from {@code --zap-log-level} or {@code -v}, whichever came last
 * @param jsonLogs whether log lines are JSON ({@code --zap-encoder json})
 * @param kubeconfig kubeconfig file for the Kubernetes client
 * @param given the flags on the command line
 * @param ignored flags accepted without meaning here, with their last value
 * @param notes what to log at start
 */
public record EppOptions(
        Optional<String> poolName,
        String poolNamespace,
        String poolGroup,
        Optional<String> endpointSelector,
        List<Integer> endpointTargetPorts,
        boolean disableEndpointSubsetFilter,
        int grpcPort,
        int grpcHealthPort,
        boolean secureServing,
        Optional<Path> certPath,
        Optional<String> tlsMinVersion,
        List<String> tlsCipherSuites,
        OptionalLong grpcMaxRecvMsgSize,
        boolean grpcEnableCompression,
        Duration drainTimeout,
        Optional<String> configFile,
        Optional<String> configText,
        Duration refreshMetricsInterval,
        Duration refreshPrometheusMetricsInterval,
        String modelServerMetricsPath,
        int metricsPort,
        Optional<LogLevel> logLevel,
        boolean jsonLogs,
        Optional<Path> kubeconfig,
        Set<EppFlag> given,
        Map<EppFlag, String> ignored,
        List<Note> notes) {

    /** Copies the collections so the record stays immutable. */
    public EppOptions {
        endpointTargetPorts = List.copyOf(endpointTargetPorts);
        tlsCipherSuites = List.copyOf(tlsCipherSuites);
        given = Set.copyOf(given);
        ignored = Map.copyOf(ignored);
        notes = List.copyOf(notes);
    }

    /** Whether the picker serves an InferencePool (else: pods found by {@link #endpointSelector()}). */
    public boolean inferencePoolMode() {
        return poolName.isPresent();
    }

    /** Whether a flag was on the command line. */
    public boolean isGiven(EppFlag flag) {
        return given.contains(flag);
    }

    /** Log levels, in the order of Quarkus's names. */
    public enum LogLevel {
        TRACE,
        DEBUG,
        INFO,
        WARN,
        ERROR,
        FATAL
    }

    /**
     * Something to tell the operator at start: a flag with no effect here, an older spelling, a value raised to a
     * floor.
     *
     * @param flag the flag concerned
     * @param severity how loudly to log it
     * @param message the sentence, naming the flag
     */
    public record Note(EppFlag flag, EppFlag.Severity severity, String message) {
    }
}
