package io.quarkiverse.llmd.engine.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;

class FlowControlConfigTest {

    private static FlowControlConfig parse(String yaml) {
        return FlowControlConfig.parse("cfg.yaml", FlowControllerTest.node(yaml), name -> null);
    }

    @Test
    void defaults() {
        FlowControlConfig c = FlowControlConfig.defaults();
        assertThat(c.maxRequests()).isZero();
        assertThat(c.maxBytes()).isZero();
        assertThat(c.defaultRequestTTL()).isEqualTo(Duration.ZERO);
        assertThat(c.bands()).isEmpty();
        assertThat(c.defaultBand().maxBytes()).isEqualTo(1_000_000_000L);
        assertThat(c.defaultBand().fairness()).isInstanceOf(FlowControlPolicies.GlobalStrictFairness.class);
        assertThat(c.defaultBand().ordering()).isInstanceOf(FlowControlPolicies.FcfsOrdering.class);
        assertThat(c.usageLimit().ceiling(0)).isEqualTo(1.0);
    }

    @Test
    void fullSection() {
        FlowControlConfig c = parse("""
                maxBytes: 1Gi
                maxRequests: 10k
                defaultRequestTTL: 1m30s
                defaultPriorityBand:
                  maxRequests: 50
                  orderingPolicyRef: edf-ordering-policy
                priorityBands:
                  - priority: -1
                    maxBytes: 500M
                  - priority: 100
                    maxRequests: "2"
                    fairnessPolicyRef: round-robin-fairness-policy
                """);
        assertThat(c.maxBytes()).isEqualTo(1L << 30);
        assertThat(c.maxRequests()).isEqualTo(10_000);
        assertThat(c.defaultRequestTTL()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.bands()).extracting(FlowControlConfig.Band::priority).containsExactly(100, -1);
        assertThat(c.bands().get(1).maxBytes()).isEqualTo(500_000_000L);
        assertThat(c.bands().get(0).fairness()).isInstanceOf(FlowControlPolicies.RoundRobinFairness.class);
        assertThat(c.bandFor(7).maxRequests()).isEqualTo(50);
        assertThat(c.bandFor(7).ordering()).isInstanceOf(FlowControlPolicies.EdfOrdering.class);
    }

    @Test
    void quantities() {
        assertThat(Quantity.parse("f", "1000")).isEqualTo(1000);
        assertThat(Quantity.parse("f", "1Ki")).isEqualTo(1024);
        assertThat(Quantity.parse("f", "1.5Gi")).isEqualTo(1_610_612_736L);
        assertThat(Quantity.parse("f", "10k")).isEqualTo(10_000);
        assertThat(Quantity.parse("f", "500M")).isEqualTo(500_000_000);
        assertThat(Quantity.parse("f", "1e9")).isEqualTo(1_000_000_000);
        assertThat(Quantity.parse("f", "1500m")).isEqualTo(2);
        assertThatThrownBy(() -> Quantity.parse("maxBytes", "lots")).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> Quantity.parse("maxBytes", "-5")).hasMessageContaining("negative");
        assertThatThrownBy(() -> Quantity.parse("maxBytes", "5Xi")).hasMessageContaining("quantity");
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> parse("maxBytes: big")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cfg.yaml: flowControl.maxBytes: ");
        assertThatThrownBy(() -> parse("maxRequest: 5")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("flowControl.maxRequest: unknown field");
        assertThatThrownBy(() -> parse("defaultRequestTTL: 30")).hasMessageContaining("flowControl.defaultRequestTTL");
        assertThatThrownBy(() -> parse("defaultRequestTTL: PT30S")).hasMessageContaining(
                "flowControl.defaultRequestTTL");
        assertThatThrownBy(() -> parse("priorityBands: [{maxBytes: 1}]"))
                .hasMessageContaining("flowControl.priorityBands[0].priority: is required");
        assertThatThrownBy(() -> parse("priorityBands: [{priority: 1}, {priority: 1}]"))
                .hasMessageContaining("flowControl.priorityBands[1].priority");
        assertThatThrownBy(() -> parse("priorityBands: [{priority: 1, fairnessPolicyRef: nope}]"))
                .hasMessageContaining("flowControl.priorityBands[0].fairnessPolicyRef: no plugin named 'nope'");
        assertThatThrownBy(() -> parse("priorityBands: [{priority: 1, fairnessPolicyRef: fcfs-ordering-policy}]"))
                .hasMessageContaining("is not a fairness policy");
        assertThatThrownBy(() -> parse("defaultPriorityBand: {priority: 3}"))
                .hasMessageContaining("flowControl.defaultPriorityBand.priority: unknown field");
        assertThatThrownBy(() -> parse("priorityBands: {priority: 1}"))
                .hasMessageContaining("flowControl.priorityBands: must be a list");
    }

    @Test
    void policiesAreConfigurablePlugins() {
        PluginRegistry registry = FlowControlPolicies.register(new PluginRegistry());
        var factory = registry.find(FlowControlPolicies.STATIC_USAGE_LIMIT).orElseThrow().factory();
        var limit = (UsageLimitPolicy) factory.create("limit", FlowControllerTest.node("threshold: 0.7"), null);
        assertThat(limit.ceiling(0)).isEqualTo(0.7);
        assertThatThrownBy(() -> factory.create("limit", FlowControllerTest.node("threshold: 1.5"), null))
                .hasMessageContaining("threshold");
        FlowControlConfig c = FlowControlConfig.parse("x", FlowControllerTest.node("usageLimitPolicyPluginRef: limit"),
                name -> name.equals("limit") ? limit : null);
        assertThat(c.usageLimit().ceiling(3)).isEqualTo(0.7);
        // registering twice keeps the first registration
        FlowControlPolicies.register(registry);
    }
}
