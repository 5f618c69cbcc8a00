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
     * Directory holding {@code tls.crt} and {@code tls.key} (PEM), like llm-d's {@code --cert-path}; they are read
     * again every {@code cert-reload-period}. Without it a self-signed certificate is generated at every start when
     * {@code secure-serving} is on.
     */
    Optional<Path> certPath();

    /**
     * How often {@code tls.crt} and {@code tls.key} in {@code cert-path} (and the {@code client-ca-path} file) are
     * read again; when their content changed, new connections get the new certificate while open ones keep theirs.
     * This follows a Kubernetes secret rotation, which swaps the mounted files at once through a symlink. A new pair
     * whose key does not match its certificate, or that cannot be parsed, is refused (logged) and the old one kept,
     * so a half-written update does no harm. 0 reads them at start only (llm-d reloads only with
     * {@code --enable-cert-reload}).
     */
    @WithDefault("30s")
    java.time.Duration certReloadPeriod();

    /**
     * PEM file of the certificate authorities whose client certificates the ext_proc server accepts. When set, the
     * server requires a client certificate signed by one of them (mutual TLS): a proxy without one, or with one from
     * another authority, fails the TLS handshake. Reloaded with {@code cert-reload-period}. Needs
     * {@code secure-serving}.
     */
    Optional<Path> clientCaPath();

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

    /**
     * Longest a request may wait for the picker before its decision (from the moment the transport read the message
     * that completes the request until the picker looks at it). A request that waited longer, because the gateway is
     * behind, is answered at once with an ImmediateResponse of {@code overload-status} instead of a late decision.
     * Envoy's {@code message_timeout} does not bound it in llm-d's setup (its chart sets 1000 s). 0 switches the bound
     * off.
     */
    @WithDefault("1s")
    java.time.Duration maxDecisionDelay();

    /**
     * Most decisions in progress at once, requests waiting in flow control included; beyond it a request is answered
     * at once with {@code overload-status}. Keep it above flow control's {@code maxRequests}. 0 switches the bound off.
     */
    @WithDefault("10000")
    int maxPendingDecisions();

    /**
     * Most lag of the event loop serving ext_proc (how late a timer on it fires) at which the picker still takes new
     * streams and makes decisions. Beyond it, a new stream is answered with an ImmediateResponse of
     * {@code overload-status} before any of its messages is parsed, and pending decisions are refused the same way,
     * until the loop has caught up. The lag is what a request waits before the picker can even read it, which
     * {@code max-decision-delay} cannot see; keep it below {@code max-decision-delay} and above the longest GC pause.
     * 0 switches it off.
     */
    @WithDefault("100ms")
    java.time.Duration maxEventLoopLag();

    /**
     * Longest the gateway rehearses ext_proc decisions on itself at start, before it reports ready; it stops
     * earlier once {@code warm-up-requests} have been rehearsed. A client inside the gateway opens streams to its own
     * ext_proc port and sends synthetic chat and completion requests through the whole path (gRPC, body parsing,
     * scheduling, the response phases), so that the JIT has compiled it before the first real request. A cold JVM
     * decides an order of magnitude slower, and a proxy that sends full load at once would otherwise queue behind it
     * for seconds. Rehearsals commit nothing: no in-flight count, prefix-index entry, request metric or observer
     * sees them; they are scheduled on the pool's endpoints, or on stand-in addresses when it has none, and nothing
     * is sent to a model server. Readiness ({@code /q/health/ready} and gRPC health) stays DOWN until it ends.
     * Skipped when the server requires client certificates ({@code client-ca-path}). Unset: 60 s in production mode,
     * off in dev and test mode; 0 switches it off.
     */
    Optional<java.time.Duration> warmUp();

    /**
     * Rehearsed decisions after which the warm-up ends (unless {@code warm-up} ends it first). The JIT compiles a
     * method after some thousands of calls, so this is a count, not a time: a few seconds on a multi-core machine,
     * about 25 s on a single core. Must be at least 1.
     */
    @WithDefault("20000")
    int warmUpRequests();

    /**
     * HTTP status of the ImmediateResponse that refuses a request the picker cannot decide in time: 503 (retryable
     * elsewhere) or 429 (the client should back off).
     */
    @WithDefault("503")
    int overloadStatus();

    /**
     * A stream without any message from the proxy for this long is ended with {@code DEADLINE_EXCEEDED}, so that a
     * proxy that lost track of it cannot hold its state forever. It must exceed the longest silence of a healthy
     * stream: the response's time to first byte and the gaps between streamed chunks (the proxy sends none at all
     * while the response body is not sent to the picker). 0 switches it off.
     */
    @WithDefault("10m")
    java.time.Duration streamIdleTimeout();

    /**
     * Most concurrent streams (requests) on one HTTP/2 connection from a proxy (the server's
     * {@code MAX_CONCURRENT_STREAMS}); Envoy opens another connection when one is full. Each stream may buffer up to
     * {@code max-body-size}. 0 leaves gRPC's default (unlimited).
     */
    @WithDefault("1000")
    int maxConcurrentStreamsPerConnection();

    /**
     * A connection without any stream for this long is closed with a GOAWAY (gRPC's {@code maxConnectionIdle}). 0
     * keeps idle connections open.
     */
    @WithDefault("1h")
    java.time.Duration maxConnectionIdle();
}
