package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;

/** The standalone OpenAI-compatible proxy ({@code quarkus.llmd.proxy.*}). */
public interface ProxyConfig {

    /** Whether {@code /v1/*} is served on the HTTP port: requests are scheduled and forwarded to the chosen pod. */
    @WithDefault("true")
    boolean enabled();

    /** Largest request body accepted; a larger one gets 413 with an OpenAI-style error. */
    @WithDefault("4M")
    MemorySize maxBodySize();

    /** Connections kept per model-server endpoint (HTTP/1.1 keep-alive, no pipelining). */
    @WithDefault("256")
    int poolSize();

    /** Requests waiting for a pooled connection, per endpoint; beyond it the attempt fails and is retried. */
    @WithDefault("1024")
    int maxWaitQueue();

    /**
     * Time allowed to open a connection to a model server. Pods are in the same cluster: a connection that takes
     * seconds is a pod that is gone or stopped, and the attempt is retried elsewhere.
     */
    @WithDefault("5s")
    Duration connectTimeout();

    /**
     * Longest wait for the response head of a model server once the request is written (time to first byte). It
     * must cover queueing plus the prefill of the longest prompt: vLLM sends the head of a streamed response after
     * the first token, and a 100k-token prompt on a busy pod takes tens of seconds. Exceeded ⇒ the attempt counts as
     * a failure of the endpoint (towards its ejection) and is retried on another endpoint, else the client gets 504.
     */
    @WithDefault("60s")
    Duration firstByteTimeout();

    /**
     * Longest silence while waiting for the model server: before the response headers (queueing plus prefill) and
     * between two body chunks. Exceeded before the first byte ⇒ 504; in the middle of a stream ⇒ the stream is ended.
     */
    @WithDefault("10m")
    Duration readTimeout();

    /** Idle time after which a pooled connection is closed. */
    @WithDefault("60s")
    Duration idleTimeout();

    /**
     * Longest time a client connection on the HTTP port may take to deliver a complete request head (request line
     * and headers, TLS handshake included), counted from the moment the connection is accepted. A connection that has
     * not finished its first head by then is closed, so clients that trickle header bytes (slowloris) cannot hold
     * connections open. Quarkus's {@code quarkus.http.idle-timeout} does not cover this: every byte restarts it. The
     * default is nginx's {@code client_header_timeout}; a legitimate client sends its head in one packet. Applies to
     * every route of the HTTP port ({@code /v1/*} and {@code /q/*}), not to the management interface. 0 switches it
     * off.
     */
    @WithDefault("60s")
    Duration requestHeaderTimeout();

    /**
     * Longest time a keep-alive connection on the HTTP port may stay without a request once its last response is
     * complete; it is then closed. Nothing is timed while a request is in progress, so a response that streams
     * slowly is never cut by it (only by {@code quarkus.http.idle-timeout}, which restarts with every chunk). The
     * default is nginx's {@code keepalive_timeout}; keep it above your clients' connection-pool idle time if they
     * cannot retry a request refused on a closing connection. 0 switches it off.
     */
    @WithDefault("75s")
    Duration keepAliveTimeout();

    /**
     * Attempts on another endpoint after a failure that reached no byte to the client (connection refused or reset
     * before the response, 503 before the body). llm-d's proxies walk the fallback list once; so do we.
     */
    @WithDefault("1")
    int retries();

    /**
     * File of API keys, one per line as {@code <key> <tenant>} (for instance a mounted Secret). When set, every
     * {@code /v1/*} request needs {@code Authorization: Bearer <key>} (or {@code api-key: <key>}), else 401 with an
     * OpenAI-style error; the key's tenant becomes the request's fairness id, replacing any the client sent, and the
     * credentials are not forwarded to the model server. Keys are never logged. Unset: no authentication.
     */
    java.util.Optional<java.nio.file.Path> apiKeysFile();

    /** How {@code GET /v1/models} answers: {@code merge} asks every endpoint and merges by id; {@code first} asks one. */
    @WithDefault("merge")
    ModelsMode models();

    /** How the model list is built. */
    enum ModelsMode {
        /** Ask every endpoint of the pool in parallel, merge their lists by model id (first answer wins). */
        MERGE,
        /** Ask the endpoints one after the other until one answers. */
        FIRST
    }
}
