package io.quarkiverse.llmd.engine.plugins.scheduling.filter;

import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.withRole;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.decode.DecodeFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.encode.EncodeFilter;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.prefill.PrefillFilter;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class RoleFiltersTest {

    /** Every role value llm-d knows, an unknown one, and no label. */
    private static final String[] ROLES = { "decode", "prefill", "encode", "prefill-decode", "both", "encode-prefill",
            "encode-prefill-decode", "unknown", null };

    private final SchedulingContext context = Fixtures.context(Fixtures.request("m", "hi"));

    private static List<Endpoint> pool() {
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < ROLES.length; i++) {
            pool.add(withRole(ROLES[i] == null ? "unlabeled" : ROLES[i], "10.0.0." + (i + 1) + ":8000", ROLES[i]));
        }
        return pool;
    }

    private List<String> kept(Filter filter) {
        return filter.filter(context, pool()).stream().map(e -> e.role() == null ? "<none>" : e.role()).toList();
    }

    @Test
    void decodeKeepsDecodeCapableRolesAndUnlabeledPods() {
        assertThat(kept(new DecodeFilter("d"))).containsExactly("decode", "prefill-decode", "both",
                "encode-prefill-decode", "<none>");
    }

    @Test
    void prefillKeepsPrefillCapableRolesOnly() {
        assertThat(kept(new PrefillFilter("p"))).containsExactly("prefill", "prefill-decode", "both", "encode-prefill",
                "encode-prefill-decode");
    }

    @Test
    void encodeKeepsEncodeCapableRolesOnly() {
        assertThat(kept(new EncodeFilter("e"))).containsExactly("encode", "encode-prefill", "encode-prefill-decode");
    }

    @Test
    void returnsTheInputListWhenEverythingPasses() {
        List<Endpoint> decodes = List.of(withRole("a", "10.0.0.1:8000", "decode"), withRole("b", "10.0.0.2:8000", null));
        assertThat(new DecodeFilter("d").filter(context, decodes)).isSameAs(decodes);
        assertThat(new PrefillFilter("p").filter(context, decodes)).isEmpty();
    }
}
