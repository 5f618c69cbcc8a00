package io.quarkiverse.llmd.runtime.tokenizer;

/**
 * How a render call ended: the closed label set of {@code llm_d_epp_token_producer_render_total}. Everything but
 * {@link #RENDERED} is a fallback to the estimate.
 */
enum RenderOutcome {
    /** Token ids received. */
    RENDERED("rendered"),
    /** No complete answer within {@code vllm.timeout} (or {@code mmTimeout}). */
    TIMEOUT("timeout"),
    /** The render server answered with a status other than 2xx. */
    HTTP_ERROR("http_error"),
    /** Connection refused or reset, TLS failure: no answer at all. */
    CONNECTION_ERROR("connection_error"),
    /** A 2xx answer without a list of token ids, or larger than the client accepts. */
    INVALID_RESPONSE("invalid_response"),
    /** {@code vllm.maxInFlight} calls were already waiting: not even tried. */
    OVERLOADED("overloaded");

    final String label;

    RenderOutcome(String label) {
        this.label = label;
    }
}
