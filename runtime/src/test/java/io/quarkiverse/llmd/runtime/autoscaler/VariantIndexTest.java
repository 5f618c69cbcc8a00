package io.quarkiverse.llmd.runtime.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

class VariantIndexTest {

    private static Endpoint endpoint(String name, Map<String, String> labels) {
        return Endpoint.of(name, "10.0.0.1:8000", labels);
    }

    @Test
    void theOnlyVariantOfAPoolClaimsUnlabelledEndpointsOfAnyRole() {
        VariantIndex index = new VariantIndex(List.of(Variants.of("a", "m", "p1", Role.BOTH)));
        assertThat(index.resolve("p1", endpoint("e", Map.of())).name()).isEqualTo("a");
        assertThat(index.resolve("p1", endpoint("e", Map.of("llm-d.ai/role", "decode"))).name()).isEqualTo("a");
        assertThat(index.resolve("p2", endpoint("e", Map.of()))).isNull();
    }

    @Test
    void theVariantLabelWinsButOnlyInTheVariantsPool() {
        VariantIndex index = new VariantIndex(List.of(Variants.of("h100", "m", "p1", Role.BOTH),
                Variants.of("a100", "m", "p1", Role.BOTH), Variants.of("l4", "m", "p2", Role.BOTH)));
        assertThat(index.resolve("p1", endpoint("e", Map.of("llm-d.ai/variant", "a100"))).name()).isEqualTo("a100");
        assertThat(index.resolve("p1", endpoint("e", Map.of("llm-d.ai/variant", "l4")))).isNull();
        assertThat(index.resolve("p1", endpoint("e", Map.of("llm-d.ai/variant", "nope")))).isNull();
        // two variants in p1 and no label: ambiguous, counted for neither
        assertThat(index.resolve("p1", endpoint("e", Map.of()))).isNull();
    }

    @Test
    void rolesSplitADisaggregatedPool() {
        VariantIndex index = new VariantIndex(List.of(Variants.of("pre", "m", "p", Role.PREFILL),
                Variants.of("dec", "m", "p", Role.DECODE)));
        assertThat(index.resolve("p", endpoint("e", Map.of("llm-d.ai/role", "prefill"))).name()).isEqualTo("pre");
        assertThat(index.resolve("p", endpoint("e", Map.of("llm-d.ai/role", "decode"))).name()).isEqualTo("dec");
        assertThat(index.resolve("p", endpoint("e", Map.of()))).isNull();
        assertThat(index.models()).containsExactly("m");
    }

    @Test
    void twoVariantsOfOneNameAreRefused() {
        assertThatThrownBy(() -> new VariantIndex(List.of(Variants.of("a", "m", "p", Role.BOTH),
                Variants.of("a", "m2", "p", Role.BOTH)))).hasMessageContaining("two variants named a");
    }
}
