package io.quarkiverse.llmd.runtime.config;

import java.nio.file.Path;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;

/**
 * The Envoy ext_proc endpoint picker ({@code quarkus.llmd.ext-proc.*}). The ext_proc gRPC server itself is the
 * Quarkus gRPC server: its port is {@code quarkus.grpc.server.port}, which the extension defaults to 9002 as llm-d's
 * {@code --grpc-port}.
 */
public interface ExtProcConfig {

    /** Default of {@link #maxBodySize()}, the cap of llm-d's reference picker. */
    String DEFAULT_MAX_BODY_SIZE = "10M";
    /** Default of {@link #healthPort()}, llm-d's {@code --grpc-health-port}. */
    int DEFAULT_HEALTH_PORT = 9003;

    /**
     * Whether the ext_proc server speaks TLS, like llm-d's {@code --secure-serving} (on by default). The certificate
     * is {@code tls.crt}/{@code tls.key} from {@code cert-path}, or a self-signed one generated at start. Off, the
     * server speaks plaintext HTTP/2 (h2c). This sets {@code quarkus.grpc.server.plain-text} and
     * {@code quarkus.grpc.server.ssl.certificate}/{@code key} unless those are configured explicitly.
     */
    @WithDefault("true")
    boolean secureServing();

    /**
     * Directory holding {@code tls.crt} and {@code tls.key} (PEM), like llm-d's {@code --cert-path}. Without it a
     * self-signed certificate is generated at every start when {@code secure-serving} is on.
     */
    Optional<Path> certPath();

    /** Whether the gRPC Health v1 server runs (llm-d always runs it). */
    @WithDefault("true")
    boolean healthEnabled();

    /**
     * Port of the gRPC Health v1 server, like llm-d's {@code --grpc-health-port}; 0 picks a free port (tests). It
     * answers {@code liveness} (always serving), {@code readiness}, {@code ""} and
     * {@code envoy.service.ext_proc.v3.ExternalProcessor} (serving once the pool has an endpoint).
     */
    @WithDefault("9003")
    int healthPort();

    /** Interface the health server binds. */
    @WithDefault("0.0.0.0")
    String healthHost();

    /**
     * Largest request body the picker buffers (llm-d's reference picker caps at 10 MiB). A larger request is refused
     * with an ImmediateResponse 413. Also the largest non-streamed response body buffered for usage parsing and the
     * model-name rewrite; a larger one is passed through as it comes. The gRPC server's
     * {@code max-inbound-message-size} is raised to fit a BUFFERED body of this size unless configured explicitly.
     */
    @WithDefault(DEFAULT_MAX_BODY_SIZE)
    MemorySize maxBodySize();

    /**
     * Ignores the proxy's subset hint ({@code envoy.lb.subset_hint}), like llm-d's
     * {@code --disable-endpoint-subset-filter}: every endpoint of the pool is a candidate.
     */
    @WithDefault("false")
    boolean disableEndpointSubsetFilter();
}
