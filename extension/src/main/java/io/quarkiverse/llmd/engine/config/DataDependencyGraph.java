package io.quarkiverse.llmd.engine.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataConsumer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;

/**
 * The per-request data flow between plugins: which consumed key nobody produces (so that the loader can add the
 * key's default producer, as llm-d's data graph does), and the order producers must run in.
 */
final class DataDependencyGraph {

    /** A consumer and a key it needs that no plugin produces. */
    record Missing(Plugin consumer, DataKey<?> key) {
    }

    private DataDependencyGraph() {
    }

    /** The first consumed key without a producer, in plugin order, or null when every key has one. */
    static Missing firstMissing(Collection<Plugin> plugins) {
        Set<DataKey<?>> produced = new HashSet<>();
        for (Plugin p : plugins) {
            if (p instanceof DataProducer producer) {
                produced.addAll(producer.produces());
            }
        }
        for (Plugin p : plugins) {
            if (p instanceof DataConsumer consumer) {
                for (DataKey<?> key : consumer.consumes()) {
                    if (!produced.contains(key)) {
                        return new Missing(p, key);
                    }
                }
            }
        }
        return null;
    }

    /**
     * The producers among {@code plugins}, each after the producers of the keys it consumes (Kahn's algorithm,
     * stable in plugin order).
     *
     * @throws IllegalStateException naming the producers that depend on each other in a cycle
     */
    static List<DataProducer> order(Collection<Plugin> plugins) {
        Set<DataProducer> remaining = new LinkedHashSet<>();
        for (Plugin p : plugins) {
            if (p instanceof DataProducer producer) {
                remaining.add(producer);
            }
        }
        List<DataProducer> ordered = new ArrayList<>(remaining.size());
        while (!remaining.isEmpty()) {
            boolean progressed = false;
            for (Iterator<DataProducer> it = remaining.iterator(); it.hasNext();) {
                DataProducer candidate = it.next();
                if (!waitsFor(candidate, remaining)) {
                    ordered.add(candidate);
                    it.remove();
                    progressed = true;
                }
            }
            if (!progressed) {
                List<String> names = new ArrayList<>();
                for (DataProducer p : remaining) {
                    names.add(p.typedName().name());
                }
                throw new IllegalStateException("data producers depend on each other in a cycle: " + names);
            }
        }
        return ordered;
    }

    private static boolean waitsFor(DataProducer candidate, Set<DataProducer> remaining) {
        if (!(candidate instanceof DataConsumer consumer)) {
            return false;
        }
        for (DataProducer other : remaining) {
            if (other != candidate) {
                for (DataKey<?> key : consumer.consumes()) {
                    if (other.produces().contains(key)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
