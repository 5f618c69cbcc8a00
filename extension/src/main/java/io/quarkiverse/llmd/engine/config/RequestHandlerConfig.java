package io.quarkiverse.llmd.engine.config;

import java.util.List;
import java.util.Optional;

import io.quarkiverse.llmd.engine.framework.requesthandling.RequestParser;

/**
 * The {@code requestHandler} section of the EndpointPickerConfig after defaulting (llm-d-v0.10-deltas.md 4.1):
 * {@code requestHandler: {parsers: [{pluginRef: openai-parser}]}}. Without parsers, {@code openai-parser} is used
 * (llm-d also defaults to its anthropic, vllmhttp and passthrough parsers, which this gateway does not have).
 *
 * @param parsers the parsers in configured order, never empty
 */
public record RequestHandlerConfig(List<RequestParser> parsers) {

    public RequestHandlerConfig {
        parsers = List.copyOf(parsers);
        if (parsers.isEmpty()) {
            throw new IllegalArgumentException("at least one parser is needed");
        }
    }

    /** The first parser, in configured order, that supports the path. */
    public Optional<RequestParser> parserFor(String path) {
        for (RequestParser p : parsers) {
            if (p.supports(path)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
