package io.quarkiverse.llmd.engine.flowcontrol;

import java.util.Comparator;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.Stability;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;

/**
 * The flow-control policy plugins (reference scheduler-epp.md 5): fairness {@code global-strict-fairness-policy}
 * (default) and {@code round-robin-fairness-policy}, ordering {@code fcfs-ordering-policy} (default) and
 * {@code edf-ordering-policy}, and {@code static-usage-limit-policy}. They can be declared in the
 * EndpointPickerConfig's {@code plugins} list and referenced by name from the {@code flowControl} section, or
 * referenced directly by type name with default parameters.
 */
public final class FlowControlPolicies {

    public static final String GLOBAL_STRICT_FAIRNESS = "global-strict-fairness-policy";
    public static final String ROUND_ROBIN_FAIRNESS = "round-robin-fairness-policy";
    public static final String FCFS_ORDERING = "fcfs-ordering-policy";
    public static final String EDF_ORDERING = "edf-ordering-policy";
    public static final String STATIC_USAGE_LIMIT = "static-usage-limit-policy";

    private FlowControlPolicies() {
    }

    /** Adds the policy types the registry does not know yet, all Beta as in llm-d v0.10. */
    public static PluginRegistry register(PluginRegistry registry) {
        add(registry, GLOBAL_STRICT_FAIRNESS, (name, p, h) -> {
            Parameters.decode(p, NoParameters.class);
            return new GlobalStrictFairness(name);
        });
        add(registry, ROUND_ROBIN_FAIRNESS, (name, p, h) -> {
            Parameters.decode(p, NoParameters.class);
            return new RoundRobinFairness(name);
        });
        add(registry, FCFS_ORDERING, (name, p, h) -> {
            Parameters.decode(p, NoParameters.class);
            return new FcfsOrdering(name);
        });
        add(registry, EDF_ORDERING, (name, p, h) -> {
            Parameters.decode(p, NoParameters.class);
            return new EdfOrdering(name);
        });
        add(registry, STATIC_USAGE_LIMIT, (name, p, h) -> new StaticUsageLimit(name,
                Parameters.decode(p, StaticUsageLimit.Params.class).threshold()));
        return registry;
    }

    private static void add(PluginRegistry registry, String type, PluginFactory factory) {
        if (registry.find(type).isEmpty()) {
            registry.register(type, Stability.BETA, factory);
        }
    }

    /** A default instance of a policy type, or null when the type is not a flow-control policy. */
    static Object defaultInstance(String type) {
        return switch (type) {
            case GLOBAL_STRICT_FAIRNESS -> new GlobalStrictFairness(type);
            case ROUND_ROBIN_FAIRNESS -> new RoundRobinFairness(type);
            case FCFS_ORDERING -> new FcfsOrdering(type);
            case EDF_ORDERING -> new EdfOrdering(type);
            case STATIC_USAGE_LIMIT -> new StaticUsageLimit(type, 1.0);
            default -> null;
        };
    }

    /**
     * {@code global-strict-fairness-policy}: the band behaves as one queue; the flow whose head comes first in the
     * ordering dispatches. No tenant isolation.
     */
    public record GlobalStrictFairness(TypedName typedName) implements FairnessPolicy {

        public GlobalStrictFairness(String name) {
            this(new TypedName(GLOBAL_STRICT_FAIRNESS, name));
        }

        @Override
        public Selector newSelector() {
            return flows -> {
                FlowQueue best = flows.get(0);
                for (int i = 1; i < flows.size(); i++) {
                    FlowQueue q = flows.get(i);
                    if (q.order().compare(q.head(), best.head()) < 0) {
                        best = q;
                    }
                }
                return best;
            };
        }
    }

    /**
     * {@code round-robin-fairness-policy}: a cursor per band walks the flows in flow-id order, one item per turn,
     * skipping empty flows; a heavy tenant cannot starve a light one.
     */
    public record RoundRobinFairness(TypedName typedName) implements FairnessPolicy {

        public RoundRobinFairness(String name) {
            this(new TypedName(ROUND_ROBIN_FAIRNESS, name));
        }

        @Override
        public Selector newSelector() {
            return new Selector() {
                private String last;

                @Override
                public FlowQueue pick(List<? extends FlowQueue> flows) {
                    FlowQueue next = flows.get(0);
                    if (last != null) {
                        for (FlowQueue q : flows) {
                            if (q.flowId().compareTo(last) > 0) {
                                next = q;
                                break;
                            }
                        }
                    }
                    last = next.flowId();
                    return next;
                }
            };
        }
    }

    /** {@code fcfs-ordering-policy}: first come, first served (enqueue time, then arrival order). */
    public record FcfsOrdering(TypedName typedName) implements OrderingPolicy {

        private static final Comparator<FlowItem<?>> ORDER = Comparator.comparingLong(FlowItem::enqueuedAt);

        public FcfsOrdering(String name) {
            this(new TypedName(FCFS_ORDERING, name));
        }

        @Override
        public Comparator<FlowItem<?>> order() {
            return ORDER;
        }
    }

    /**
     * {@code edf-ordering-policy}: earliest deadline first, the deadline being enqueue time plus TTL; items without
     * a TTL come after every item with one, in arrival order.
     */
    public record EdfOrdering(TypedName typedName) implements OrderingPolicy {

        private static final Comparator<FlowItem<?>> ORDER = Comparator.comparingLong(FlowItem::deadline);

        public EdfOrdering(String name) {
            this(new TypedName(EDF_ORDERING, name));
        }

        @Override
        public Comparator<FlowItem<?>> order() {
            return ORDER;
        }
    }

    /** {@code static-usage-limit-policy}: every band dispatches while saturation is below {@code threshold}. */
    public record StaticUsageLimit(TypedName typedName, double threshold) implements UsageLimitPolicy {

        /** @param threshold saturation ceiling, in (0, 1]; default 1.0 */
        public record Params(Double threshold) {
            public Params {
                if (threshold == null) {
                    threshold = 1.0;
                }
                if (!(threshold > 0 && threshold <= 1.0)) {
                    throw new PluginConfigException("threshold", "threshold must be in (0, 1], got " + threshold);
                }
            }
        }

        public StaticUsageLimit(String name, double threshold) {
            this(new TypedName(STATIC_USAGE_LIMIT, name), threshold);
        }

        @Override
        public double ceiling(int priority) {
            return threshold;
        }
    }
}
