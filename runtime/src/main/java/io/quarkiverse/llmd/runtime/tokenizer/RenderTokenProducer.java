package io.quarkiverse.llmd.runtime.tokenizer;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.PromptInput;
import io.quarkiverse.llmd.engine.request.RequestBody;

/**
 * {@code token-producer} with the {@code vllm} backend: the model server (or KServe's standalone {@code vllm launch
 * render} service) turns the prompt into token ids through its render endpoints, so the ids are the ones the engine
 * will compute, chat template included. A completions request goes to {@code /v1/completions/render}, a chat
 * request to {@code /v1/chat/completions/render}, with the body that will be forwarded (the {@code model} set to
 * {@code modelName} when configured). The call is made while the request pipeline prepares the request, never inside
 * a scheduling cycle.
 * <p>
 * When the call fails or times out, the request is tokenized by the estimate instead and still served: precise
 * prefix scoring degrades for it (estimated ids match nothing an engine reports) and the fallback is counted in
 * {@code llm_d_epp_token_producer_render_total}. Requests no render endpoint takes (responses, embeddings, an
 * ext_proc request without a body) get the estimate without a call; a completions prompt given as token ids is
 * used as is. Thread-safe.
 */
public final class RenderTokenProducer implements AsyncDataProducer<TokenizedPrompt> {

    static final String COMPLETIONS_RENDER = "/v1/completions/render";
    static final String CHAT_RENDER = "/v1/chat/completions/render";

    private static final Logger LOG = Logger.getLogger(RenderTokenProducer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<DataKey<?>> PRODUCES = Set.of(TokenizedPrompt.KEY);

    private final TypedName typedName;
    private final RuntimeTokenProducer.Params params;
    private final RenderClient client;
    private final String modelName;
    private final long timeoutMillis;
    private final long mmTimeoutMillis;
    /** Whether the last call failed: a change is logged once, each failure only counted. */
    private volatile boolean failing;

    RenderTokenProducer(TypedName typedName, RuntimeTokenProducer.Params params, RenderClient client) {
        this.typedName = typedName;
        this.params = params;
        this.client = client;
        this.modelName = params.modelName() == null || params.modelName().isBlank() ? null : params.modelName();
        this.timeoutMillis = params.vllm().timeoutDuration().toMillis();
        this.mmTimeoutMillis = params.vllm().mmTimeoutDuration().toMillis();
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public RuntimeTokenProducer.Params params() {
        return params;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return PRODUCES;
    }

    @Override
    public DataKey<TokenizedPrompt> preparedKey() {
        return TokenizedPrompt.KEY;
    }

    @Override
    public CompletionStage<TokenizedPrompt> prepare(InferenceRequest request, byte[] body) {
        String path = renderPath(request, body);
        if (path == null) {
            return CompletableFuture.completedFuture(TokenizedPrompt.estimate(request));
        }
        long timeout = CHAT_RENDER.equals(path) && request.multimodal() ? mmTimeoutMillis : timeoutMillis;
        return client.render(path, withModel(body, request.targetModel()), request.header("authorization"), timeout)
                .thenApply(result -> tokens(request, result));
    }

    /** What was prepared stays; a cycle nobody prepared (a saturation probe, a direct caller) gets the estimate. */
    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        if (context.get(TokenizedPrompt.KEY) == null) {
            context.put(TokenizedPrompt.KEY, TokenizedPrompt.estimate(context.request()));
        }
    }

    /** The render endpoint for this request, or null when it gets no call. */
    static String renderPath(InferenceRequest request, byte[] body) {
        if (body.length == 0) {
            return null;
        }
        if (request.api() == ApiType.CHAT_COMPLETIONS) {
            return CHAT_RENDER;
        }
        if (request.api() == ApiType.COMPLETIONS) {
            boolean ids = request.body() instanceof RequestBody.Completions c && c.prompt() instanceof PromptInput.TokenIds;
            return ids ? null : COMPLETIONS_RENDER;
        }
        return null;
    }

    private TokenizedPrompt tokens(InferenceRequest request, RenderResult result) {
        if (result instanceof RenderResult.Rendered r) {
            if (failing) {
                failing = false;
                LOG.infof("token-producer %s: the render server answers again", typedName.name());
            }
            return new TokenizedPrompt(r.tokenIds(), false);
        }
        RenderResult.Failed f = (RenderResult.Failed) result;
        if (!failing) {
            failing = true;
            LOG.warnf("token-producer %s: render call failed (%s: %s); requests are tokenized by the estimate until"
                    + " it answers again (counted in %s)", typedName.name(), f.outcome().label, f.detail(),
                    RenderMetrics.CALLS + "_total");
        } else {
            LOG.debugf("token-producer %s: render call failed (%s: %s)", typedName.name(), f.outcome().label,
                    f.detail());
        }
        return TokenizedPrompt.estimate(request);
    }

    /** The body with {@code model} set to {@code modelName} (the render server's name for the model) if it differs. */
    private byte[] withModel(byte[] body, String requestModel) {
        if (modelName == null || modelName.equals(requestModel)) {
            return body;
        }
        try {
            JsonNode tree = JSON.readTree(body);
            if (tree instanceof ObjectNode o) {
                o.put("model", modelName);
                return JSON.writeValueAsBytes(o);
            }
        } catch (IOException e) {
            // the parser accepted the body, so this does not happen; sending it unchanged is the safe choice
        }
        return body;
    }

    /** The client, for tests. */
    RenderClient client() {
        return client;
    }
}
