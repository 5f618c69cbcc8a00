package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/**
 * {@code token-producer}: puts the request's prompt as token ids under {@link TokenizedPrompt#KEY}. The engine
 * has the {@code estimate} backend, llm-d's default: without a tokenizer it cuts the prompt input (the same bytes
 * approximate prefix matching hashes) into 4-byte pieces, one stand-in token each, read little-endian, the last
 * piece zero-padded. A completions prompt given as token ids is used as is. Estimated ids only ever match other
 * estimates, so precise prefix routing against real engines needs a real tokenizer.
 * <p>
 * The {@code vllm} backend (a call to the model server's render endpoints) needs network I/O, which the engine
 * does not do; configuring it here is an error. The runtime replaces this factory with one that also has that
 * backend (an {@link io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer}, which the request
 * pipeline prepares before scheduling) and a local HuggingFace tokenizer backend. Thread-safe and stateless.
 */
public final class TokenProducer implements DataProducer {

    public static final String TYPE = "token-producer";
    /** llm-d's deprecated name. */
    public static final String DEPRECATED_TYPE = "tokenizer";
    /** Bytes per estimated token. */
    public static final int BYTES_PER_TOKEN = TokenizedPrompt.BYTES_PER_TOKEN;

    public static final PluginFactory FACTORY = (name, parameters, handle) -> new TokenProducer(name,
            Parameters.decode(parameters, Params.class));

    /**
     * @param modelName the model whose tokenizer to use (required by llm-d for the vllm backend; unused by the
     *        estimate)
     * @param vllm the vllm backend ({@code url}, {@code timeout}, {@code mmTimeout}); not available in the engine
     * @param udsTokenizerConfig llm-d's deprecated tokenizer sidecar; not available in the engine
     */
    public record Params(String modelName, JsonNode vllm, JsonNode udsTokenizerConfig) {
        public Params {
            if (vllm != null && !vllm.isNull()) {
                throw new PluginConfigException("vllm", "the vllm tokenizer backend calls the model server and is"
                        + " provided by the runtime, not by the engine; leave it out to use the estimate backend");
            }
            if (udsTokenizerConfig != null && !udsTokenizerConfig.isNull()) {
                throw new PluginConfigException("udsTokenizerConfig", "the tokenizer sidecar (deprecated in llm-d)"
                        + " is not supported; use the vllm backend or the estimate backend");
            }
        }
    }

    private static final Set<DataKey<?>> PRODUCES = Set.of(TokenizedPrompt.KEY);

    private final TypedName typedName;
    private final Params params;

    public TokenProducer(String name, Params params) {
        this.typedName = new TypedName(TYPE, name);
        this.params = params;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public Params params() {
        return params;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return PRODUCES;
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        context.put(TokenizedPrompt.KEY, estimate(context.request()));
    }

    /** The estimate backend's tokens for a request ({@link TokenizedPrompt#estimate(InferenceRequest)}). */
    public static TokenizedPrompt estimate(InferenceRequest request) {
        return TokenizedPrompt.estimate(request);
    }

    /** Stand-in token ids ({@link TokenizedPrompt#estimate(byte[])}). */
    public static int[] estimate(byte[] input) {
        return TokenizedPrompt.estimate(input);
    }
}
