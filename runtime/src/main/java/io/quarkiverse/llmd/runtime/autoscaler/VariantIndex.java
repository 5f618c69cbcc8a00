package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * The known variants, immutable, and which of them an endpoint belongs to. Read by the request tap on event loops
 * and by the loop on its worker; replaced whole when the variants change.
 */
final class VariantIndex {

    /** Pod label naming the variant a replica belongs to (WVA's pod-to-variant attribution). */
    static final String VARIANT_LABEL = "llm-d.ai/variant";

    static final VariantIndex EMPTY = new VariantIndex(List.of());

    private final Map<String, VariantDefinition> byName = new TreeMap<>();
    private final Map<String, List<VariantDefinition>> byPool = new HashMap<>();
    private final Set<String> models = new TreeSet<>();

    VariantIndex(Collection<VariantDefinition> variants) {
        for (VariantDefinition v : variants) {
            if (byName.put(v.name(), v) != null) {
                throw new IllegalArgumentException("two variants named " + v.name() + " (" + v.source() + ")");
            }
            byPool.computeIfAbsent(v.pool(), p -> new ArrayList<>()).add(v);
            models.add(v.model());
        }
    }

    Map<String, VariantDefinition> byName() {
        return byName;
    }

    Collection<VariantDefinition> all() {
        return byName.values();
    }

    Set<String> models() {
        return models;
    }

    Set<String> pools() {
        return byPool.keySet();
    }

    boolean isEmpty() {
        return byName.isEmpty();
    }

    /**
     * The variant an endpoint of {@code pool} belongs to: the one its {@code llm-d.ai/variant} label names (in the
     * same pool), else the pool's only variant of the endpoint's role (an unlabelled endpoint counts as
     * {@code both}; a variant of role {@code both} takes endpoints of any role). Null when none or several fit:
     * an endpoint is never counted twice.
     */
    VariantDefinition resolve(String pool, Endpoint endpoint) {
        List<VariantDefinition> candidates = byPool.get(pool);
        if (candidates == null) {
            return null;
        }
        String label = endpoint.labels().get(VARIANT_LABEL);
        if (label != null) {
            VariantDefinition v = byName.get(label);
            return v != null && v.pool().equals(pool) ? v : null;
        }
        Role role = Role.fromLabel(endpoint.role());
        VariantDefinition found = null;
        for (VariantDefinition v : candidates) {
            if (v.spec().role() == Role.BOTH || v.spec().role() == role) {
                if (found != null) {
                    return null;
                }
                found = v;
            }
        }
        return found;
    }
}
