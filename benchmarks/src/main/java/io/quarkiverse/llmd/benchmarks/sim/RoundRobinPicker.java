package io.quarkiverse.llmd.benchmarks.sim;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Picker;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * {@code round-robin-picker}: a benchmark-only picker (llm-d has none) standing in for a Kubernetes Service in front
 * of the pods. It ignores scores and cycles through the candidates in their order. Registered only in the cluster
 * simulator's plugin registry ({@link SchedulerConfigs}). Not thread-safe (the simulator is single-threaded).
 *
 * <p>A real Service balances connections (kube-proxy picks a backend at random per connection in iptables mode, in
 * turn in IPVS round-robin mode), so it sits between this picker and {@code random-picker}.
 */
public final class RoundRobinPicker implements Picker {

    public static final String TYPE = "round-robin-picker";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new RoundRobinPicker(name);
    };

    private final TypedName typedName;
    private long next;

    public RoundRobinPicker(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<ScoredEndpoint> pick(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        if (endpoints.isEmpty()) {
            return List.of();
        }
        int i = (int) (next++ % endpoints.size());
        return List.of(new ScoredEndpoint(endpoints.get(i), scores[i]));
    }
}
