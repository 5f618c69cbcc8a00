package io.quarkiverse.llmd.engine.plugins.scheduling.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/** Helpers shared by the built-in filters. */
public final class Filters {

    private Filters() {
    }

    /**
     * The endpoints that satisfy {@code keep}, in their original order. Returns {@code endpoints} itself when all
     * pass, so that the common case (a homogeneous pool) allocates nothing.
     */
    public static List<Endpoint> retain(List<Endpoint> endpoints, Predicate<Endpoint> keep) {
        int n = endpoints.size();
        int firstDropped = -1;
        for (int i = 0; i < n; i++) {
            if (!keep.test(endpoints.get(i))) {
                firstDropped = i;
                break;
            }
        }
        if (firstDropped < 0) {
            return endpoints;
        }
        List<Endpoint> kept = new ArrayList<>(n - 1);
        for (int i = 0; i < firstDropped; i++) {
            kept.add(endpoints.get(i));
        }
        for (int i = firstDropped + 1; i < n; i++) {
            Endpoint e = endpoints.get(i);
            if (keep.test(e)) {
                kept.add(e);
            }
        }
        return kept;
    }

    /**
     * A predicate on the {@code llm-d.ai/role} label: the role is one of {@code roles}, or the label is absent and
     * {@code keepUnlabeled} is set.
     */
    public static Predicate<Endpoint> roleIn(Set<String> roles, boolean keepUnlabeled) {
        Set<String> copy = Set.copyOf(roles);
        return endpoint -> {
            String role = endpoint.role();
            return role == null ? keepUnlabeled : copy.contains(role);
        };
    }
}
