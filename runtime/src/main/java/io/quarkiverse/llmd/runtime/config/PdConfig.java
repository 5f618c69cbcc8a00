package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.WithDefault;

/** Prefill/decode orchestration ({@code quarkus.llmd.pd.*}), NIXL v2 flow as llm-d's decode sidecar runs it. */
public interface PdConfig {

    /**
     * Whether the proxy runs the prefill itself when the scheduler chose a prefill endpoint
     * ({@code x-prefiller-host-port}). Off: the header is forwarded to the decode pod, whose own sidecar does it.
     */
    @WithDefault("true")
    boolean enabled();

    /** Time allowed for the whole prefill exchange; exceeded ⇒ fall back to local decode. */
    @WithDefault("60s")
    Duration prefillTimeout();

    /**
     * Refuse (403) a prefill destination that is not an endpoint of the pool, matched by host and port (llm-d's
     * {@code --enable-ssrf-protection} compares the IP only, so it would let a client name any port of a pod).
     */
    @WithDefault("true")
    boolean ssrfProtection();

    /** The decode sidecar. */
    SidecarConfig sidecar();

    /** The standalone decode sidecar: this app in front of a local vLLM, as llm-d's {@code pd-sidecar}. */
    interface SidecarConfig {

        /**
         * Serve the sidecar routes ({@code POST /v1/chat/completions}, {@code /v1/completions},
         * {@code /v1/responses}; every other {@code /v1/*} request passes through to the local vLLM).
         */
        @WithDefault("false")
        boolean enabled();

        /** Port of the local vLLM, like {@code --vllm-port}. */
        @WithDefault("8001")
        int vllmPort();

        /** Host of the local vLLM. */
        @WithDefault("127.0.0.1")
        String vllmHost();

        /**
         * Path prefix of the sidecar routes. Empty (the default) serves them at {@code /v1/*} and turns the proxy
         * routes off; a prefix such as {@code /sidecar} lets proxy and sidecar share one port.
         */
        Optional<String> pathPrefix();
    }
}
