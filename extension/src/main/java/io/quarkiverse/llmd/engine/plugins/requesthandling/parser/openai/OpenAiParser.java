package io.quarkiverse.llmd.engine.plugins.requesthandling.parser.openai;

import java.util.Map;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requesthandling.RequestParser;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;

/**
 * {@code openai-parser}: OpenAI completions, chat completions, responses, conversations and embeddings, chosen by the
 * path suffix (reference scheduler-epp.md 1.9). A path it does not recognise is parsed as completions, as llm-d's
 * parser does, so it supports every path; list other parsers before it to claim their paths first. No parameters.
 */
public final class OpenAiParser implements RequestParser {

    public static final String TYPE = "openai-parser";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new OpenAiParser(name);
    };

    private final TypedName typedName;
    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    public OpenAiParser(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public boolean supports(String path) {
        return true;
    }

    @Override
    public InferenceRequest parse(String path, Map<String, String> headers, byte[] body) {
        return parser.parse(path, headers, body);
    }
}
