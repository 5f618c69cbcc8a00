package io.quarkiverse.llmd.gateway.epp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.gateway.epp.LabelSelector.Operator;
import io.quarkiverse.llmd.gateway.epp.LabelSelector.Requirement;

/** The string form of Kubernetes label selectors, with the examples of llm-d's --endpoint-selector help. */
class LabelSelectorTest {

    private static final Map<String, String> PROD_VLLM = Map.of("app", "vllm", "env", "prod", "gpus", "4");

    @Test
    void equalityBased() {
        LabelSelector selector = LabelSelector.parse("app=vllm,env=prod");
        assertThat(selector.requirements()).containsExactly(
                new Requirement("app", Operator.EQUALS, List.of("vllm")),
                new Requirement("env", Operator.EQUALS, List.of("prod")));
        assertThat(selector.matches(PROD_VLLM)).isTrue();
        assertThat(selector.matches(Map.of("app", "vllm", "env", "dev"))).isFalse();
        assertThat(LabelSelector.parse("app==vllm").matches(PROD_VLLM)).isTrue();
        assertThat(LabelSelector.parse("env!=prod").matches(PROD_VLLM)).isFalse();
        assertThat(LabelSelector.parse("env!=prod").matches(Map.of())).as("absent label differs").isTrue();
        assertThat(LabelSelector.parse("tier=").matches(Map.of("tier", ""))).as("empty value").isTrue();
    }

    @Test
    void setBased() {
        LabelSelector selector = LabelSelector.parse("env in (prod, staging),tier notin (frontend)");
        assertThat(selector.requirements()).containsExactly(
                new Requirement("env", Operator.IN, List.of("prod", "staging")),
                new Requirement("tier", Operator.NOT_IN, List.of("frontend")));
        assertThat(selector.matches(PROD_VLLM)).isTrue();
        assertThat(selector.matches(Map.of("env", "prod", "tier", "frontend"))).isFalse();
        assertThat(selector.matches(Map.of("env", "dev"))).isFalse();
    }

    @Test
    void existenceAndNumbers() {
        LabelSelector selector = LabelSelector.parse("app, !deprecated, gpus>2, gpus<8");
        assertThat(selector.requirements()).extracting(Requirement::operator).containsExactly(Operator.EXISTS,
                Operator.DOES_NOT_EXIST, Operator.GREATER_THAN, Operator.LESS_THAN);
        assertThat(selector.matches(PROD_VLLM)).isTrue();
        assertThat(selector.matches(Map.of("app", "x", "gpus", "4", "deprecated", "true"))).isFalse();
        assertThat(selector.matches(Map.of("app", "x", "gpus", "many"))).as("not a number").isFalse();
        assertThat(LabelSelector.parse("").matches(Map.of())).as("empty selects everything").isTrue();
    }

    @Test
    void prefixedKeys() {
        LabelSelector selector = LabelSelector.parse("app.kubernetes.io/part-of=llminferenceservice,llm-d.ai/role in (prefill)");
        assertThat(selector.matches(Map.of("app.kubernetes.io/part-of", "llminferenceservice", "llm-d.ai/role",
                "prefill"))).isTrue();
    }

    @Test
    void malformedSelectors() {
        for (String bad : new String[] { "app=vllm,", ",app", "app in prod", "app in ()", "app in (a", "!",
                "app=vllm env=prod", "app>x", "-app=x", "app=-x", "Bad_Prefix/app=x", "/app=x", "app=(x)",
                "!app=x", "a".repeat(64) + "=x" }) {
            assertThatThrownBy(() -> LabelSelector.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
