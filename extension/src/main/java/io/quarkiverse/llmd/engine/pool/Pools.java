package io.quarkiverse.llmd.engine.pool;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;

/**
 * The pools one gateway serves, and the choice of pool per request: by the request's model, or by name when the
 * route says which pool (an ext_proc header). Each model belongs to at most one pool; at most one pool may take any
 * model (declares none), and it gets the models no other pool claims. Immutable.
 */
public final class Pools {

    private final Map<String, Pool> byName;
    private final Map<String, Pool> byModel;
    private final Pool catchAll;

    /**
     * @throws IllegalArgumentException when two pools share a name or a model, or more than one takes any model
     */
    public Pools(List<Pool> pools) {
        Map<String, Pool> names = new LinkedHashMap<>();
        Map<String, Pool> models = new HashMap<>();
        Pool any = null;
        for (Pool p : pools) {
            if (names.put(p.name(), p) != null) {
                throw new IllegalArgumentException("two pools are named '" + p.name() + "'");
            }
            if (p.catchAll()) {
                if (any != null) {
                    throw new IllegalArgumentException("pools '" + any.name() + "' and '" + p.name()
                            + "' both take any model; give one of them the models it serves");
                }
                any = p;
            }
            for (String m : p.models()) {
                Pool other = models.put(m, p);
                if (other != null) {
                    throw new IllegalArgumentException("model '" + m + "' is served by two pools, '" + other.name()
                            + "' and '" + p.name() + "'");
                }
            }
        }
        this.byName = Collections.unmodifiableMap(names);
        this.byModel = Map.copyOf(models);
        this.catchAll = any;
    }

    /** Every pool, in configuration order. */
    public List<Pool> all() {
        return List.copyOf(byName.values());
    }

    /** The pool of this name, or null. */
    public Pool named(String name) {
        return name == null ? null : byName.get(name);
    }

    /** The pool serving {@code model}: the one that declares it, else the catch-all pool, else null. */
    public Pool forModel(String model) {
        Pool p = model == null ? null : byModel.get(model);
        return p != null ? p : catchAll;
    }

    /** The models the pools declare, sorted. */
    public SortedSet<String> declaredModels() {
        return new TreeSet<>(byModel.keySet());
    }

    /**
     * Runs a request through the pipeline of its pool: parses the body once, chooses the pool (by {@code poolName}
     * when the route names one, else by the request's model), and submits the parsed request there.
     *
     * @param poolName the pool the route asked for, or null to choose by model
     * @param body the request body; empty for an exchange without one (scheduled on load alone)
     * @return the decision; 400 for a body that cannot be parsed, 404 for a model no pool serves or an unknown pool
     */
    public PendingDecision submit(String poolName, String path, Map<String, String> headers, byte[] body,
            List<String> subsetHint) {
        return route(poolName, path, headers, body, subsetHint, false);
    }

    /**
     * Like {@link #submit}, but the chosen pool only rehearses the decision
     * ({@link io.quarkiverse.llmd.engine.pipeline.RequestPipeline#rehearse}): nothing is counted, queued or held.
     */
    public PendingDecision rehearse(String poolName, String path, Map<String, String> headers, byte[] body,
            List<String> subsetHint) {
        return route(poolName, path, headers, body, subsetHint, true);
    }

    private PendingDecision route(String poolName, String path, Map<String, String> headers, byte[] body,
            List<String> subsetHint, boolean rehearsal) {
        Pool first = byName.isEmpty() ? null : byName.values().iterator().next();
        if (first == null) {
            return PendingDecision.completed(Decision.Rejected.noEndpoints("the gateway serves no pool"));
        }
        long received = first.pipeline().nanoTime();
        Pool named = null;
        if (poolName != null) {
            named = byName.get(poolName);
            if (named == null) {
                return PendingDecision.completed(new Decision.Rejected(404, "NotFound", "no pool named '"
                        + quoted(poolName) + "'; pools: " + byName.keySet(), null));
            }
        }
        InferenceRequest request;
        try {
            request = body.length == 0 ? first.pipeline().parser().withoutBody(path, headers)
                    : first.pipeline().parser().parse(path, headers, body);
        } catch (InvalidRequestException e) {
            return PendingDecision.completed(Decision.Rejected.badRequest(e.getMessage()));
        }
        Pool pool = named != null ? named : body.length == 0 && byName.size() == 1 ? first : forModel(request.model());
        if (pool == null) {
            return PendingDecision.completed(modelNotFound(request.model()));
        }
        return rehearsal ? PendingDecision.completed(pool.pipeline().rehearse(request, body, subsetHint, received))
                : pool.pipeline().submit(request, body, headers, subsetHint, received);
    }

    /** OpenAI's answer for a model nobody serves, naming the models that are. */
    public Decision.Rejected modelNotFound(String model) {
        return new Decision.Rejected(404, "NotFound", "The model `" + quoted(model)
                + "` does not exist; served models: " + declaredModels(), null);
    }

    /** The pool taking models no other pool declares, or null. */
    public Pool catchAll() {
        return catchAll;
    }

    /** Client-supplied text quoted back in an error message, bounded so that a huge name cannot bloat the answer. */
    private static String quoted(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 128 ? s : s.substring(0, 128) + "...";
    }
}
