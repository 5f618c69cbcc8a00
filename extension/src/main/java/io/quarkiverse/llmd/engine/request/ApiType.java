package io.quarkiverse.llmd.engine.request;

/** The OpenAI-compatible APIs the parser understands, recognised by the suffix of the request path. */
public enum ApiType {
    COMPLETIONS("/completions"),
    CHAT_COMPLETIONS("/chat/completions"),
    RESPONSES("/responses"),
    CONVERSATIONS("/conversations"),
    EMBEDDINGS("/embeddings");

    private final String pathSuffix;

    ApiType(String pathSuffix) {
        this.pathSuffix = pathSuffix;
    }

    public String pathSuffix() {
        return pathSuffix;
    }
}
