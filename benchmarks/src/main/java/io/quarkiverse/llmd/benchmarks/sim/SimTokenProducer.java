package io.quarkiverse.llmd.benchmarks.sim;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer.TokenProducer;

/**
 * The cluster simulator's {@code token-producer}: with the {@code vllm} backend configured (llm-d's requirement for
 * precise prefix routing) the prompt is "rendered" by the simulated model server, i.e. the request gets exactly the
 * token ids the simulated pod will prefill, as vLLM's {@code /v1/completions/render} gives a real gateway. The
 * simulator has no HTTP, so the {@code url} and timeouts are accepted and unused. Without {@code vllm} this is the
 * engine's {@code estimate} backend, unchanged. Registered only in the simulator's registry ({@link SchedulerConfigs}).
 */
public final class SimTokenProducer implements DataProducer {

    /** What the simulated model server answers for a request id; null when it does not know the request. */
    @FunctionalInterface
    public interface Renderer {
        int[] render(String requestId);
    }

    private static final Set<DataKey<?>> PRODUCES = Set.of(TokenizedPrompt.KEY);

    private final TypedName typedName;
    private final Renderer renderer;

    private SimTokenProducer(String name, Renderer renderer) {
        this.typedName = new TypedName(TokenProducer.TYPE, name);
        this.renderer = renderer;
    }

    /** A factory rendering through {@code renderer} when the config asks for the vllm backend. */
    public static PluginFactory factory(Renderer renderer) {
        return (name, parameters, handle) -> {
            checkOtherParameters(parameters);
            if (parameters != null && parameters.hasNonNull("vllm")) {
                return new SimTokenProducer(name, renderer);
            }
            return TokenProducer.FACTORY.create(name, parameters, handle);
        };
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return PRODUCES;
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        int[] tokens = renderer.render(context.request().requestId());
        if (tokens == null) {
            // a render failure: llm-d then schedules without tokens (no precise match), so do the same
            return;
        }
        context.put(TokenizedPrompt.KEY, new TokenizedPrompt(tokens, false));
    }

    /** The other parameters are checked as the engine's factory does (unknown keys are an error). */
    private static void checkOtherParameters(JsonNode parameters) {
        if (parameters == null || !parameters.isObject()) {
            return;
        }
        ObjectNode rest = ((ObjectNode) parameters).deepCopy();
        rest.remove("vllm");
        Parameters.decode(rest, TokenProducer.Params.class);
    }
}
