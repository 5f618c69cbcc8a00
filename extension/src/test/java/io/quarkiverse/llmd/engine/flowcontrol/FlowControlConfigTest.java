package io.quarkiverse.llmd.engine.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig.Band;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency.ConcurrencyDetector;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.queuedepth.QueueScorer;

class FlowControlConfigTest {

    private static FlowControlConfig parse(String yaml) {
        return FlowControlConfig.parse("cfg.yaml", FlowControllerTest.node(yaml), name -> null);
    }

    @Test
    void defaultsAreLlmdV010s() {
        FlowControlConfig c = FlowControlConfig.defaults();
        assertThat(c.maxRequests()).isZero();
        assertThat(c.maxBytes()).isZero();
        assertThat(c.defaultRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.noEndpointRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.enableEviction()).isFalse();
        assertThat(c.saturationDetectorRef()).isNull();
        assertThat(c.bands()).isEmpty();
        assertThat(c.defaultBand().maxBytes()).isEqualTo(1_000_000_000L);
        assertThat(c.defaultBand().maxRequests()).isEqualTo(5000);
        assertThat(c.bandFor(-3)).isEqualTo(c.defaultBand().withPriority(-3));
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

    @Test
    void requestTtlsFollowLlmd() {
        // only defaultRequestTTL: it bounds both regimes
        FlowControlConfig c = parse("defaultRequestTTL: 5s");
        assertThat(c.defaultRequestTTL()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.noEndpointRequestTTL()).isEqualTo(Duration.ofSeconds(5));
        // only noEndpointRequestTTL: the other keeps its default
        c = parse("noEndpointRequestTTL: 10m");
        assertThat(c.defaultRequestTTL()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.noEndpointRequestTTL()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.requestTTL(true)).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.requestTTL(false)).isEqualTo(Duration.ofMinutes(10));
        // "0s" switches a bound off; a split keeps each
        c = parse("{defaultRequestTTL: 0s, noEndpointRequestTTL: 2m}");
        assertThat(c.defaultRequestTTL()).isZero();
        assertThat(c.noEndpointRequestTTL()).isEqualTo(Duration.ofMinutes(2));
        c = parse("defaultRequestTTL: 0");
        assertThat(c.noEndpointRequestTTL()).isZero();
        assertThatThrownBy(() -> parse("noEndpointRequestTTL: -1s")).isInstanceOf(ConfigException.class)
                .hasMessage("cfg.yaml: flowControl.noEndpointRequestTTL: noEndpointRequestTTL must not be negative,"
                        + " got '-1s'");
        assertThatThrownBy(() -> parse("noEndpointRequestTTL: 30")).isInstanceOf(ConfigException.class)
                .hasMessage("cfg.yaml: flowControl.noEndpointRequestTTL: must be a duration such as \"30s\", got 30");
    }

    @Test
    void bandLimitsOfZeroMeanTheDefaultNotNoRoom() {
        FlowControlConfig c = parse("""
                maxRequests: 0
                defaultPriorityBand: {maxRequests: 0, maxBytes: "0"}
                priorityBands:
                  - priority: 2
                    maxRequests: 7
                """);
        assertThat(c.maxRequests()).isZero(); // global: unlimited
        assertThat(c.defaultBand().maxRequests()).isEqualTo(5000);
        assertThat(c.defaultBand().maxBytes()).isEqualTo(1_000_000_000L);
        assertThat(c.bandFor(2).maxRequests()).isEqualTo(7);
        assertThat(c.bandFor(2).maxBytes()).isEqualTo(1_000_000_000L);
    }

    @Test
    void negativePrioritiesUseTheirOwnTemplate() {
        FlowControlConfig c = parse("""
                defaultPriorityBand:
                  maxRequests: 100
                defaultNegativePriorityBand:
                  maxRequests: 5
                  fairnessPolicyRef: round-robin-fairness-policy
                priorityBands:
                  - priority: -10
                    maxRequests: 1
                """);
        assertThat(c.bandFor(0).maxRequests()).isEqualTo(100);
        assertThat(c.bandFor(3).maxRequests()).isEqualTo(100);
        Band sheddable = c.bandFor(-1);
        assertThat(sheddable.priority()).isEqualTo(-1);
        assertThat(sheddable.maxRequests()).isEqualTo(5);
        // a set template starts from the system defaults, not from defaultPriorityBand
        assertThat(sheddable.maxBytes()).isEqualTo(1_000_000_000L);
        assertThat(sheddable.fairness()).isInstanceOf(FlowControlPolicies.RoundRobinFairness.class);
        assertThat(sheddable.ordering()).isInstanceOf(FlowControlPolicies.FcfsOrdering.class);
        // a configured band wins over the template
        assertThat(c.bandFor(-10).maxRequests()).isEqualTo(1);
        // without a negative template, negative priorities use defaultPriorityBand
        assertThat(parse("defaultPriorityBand: {maxRequests: 9}").bandFor(-2).maxRequests()).isEqualTo(9);
        assertThatThrownBy(() -> parse("defaultNegativePriorityBand: {priority: -1}")).isInstanceOf(
                ConfigException.class).hasMessage("cfg.yaml: flowControl.defaultNegativePriorityBand.priority: unknown "
                        + "field; expected one of [fairnessPolicyRef, maxBytes, maxRequests, orderingPolicyRef]");
        assertThatThrownBy(() -> parse("defaultNegativePriorityBand: {orderingPolicyRef: nope}"))
                .hasMessage("cfg.yaml: flowControl.defaultNegativePriorityBand.orderingPolicyRef: no plugin named "
                        + "'nope'");
    }

    @Test
    void enableEvictionIsAStrictBoolean() {
        assertThat(parse("enableEviction: true").enableEviction()).isTrue();
        assertThat(parse("enableEviction: false").enableEviction()).isFalse();
        assertThatThrownBy(() -> parse("enableEviction: \"yes\"")).isInstanceOf(ConfigException.class)
                .hasMessage("cfg.yaml: flowControl.enableEviction: must be true or false, got \"yes\"");
    }

    @Test
    void saturationDetectorMustNameADetectorPlugin() {
        var detector = new ConcurrencyDetector("sat", new ConcurrencyDetector.Params(null, 10L, null, null));
        FlowControlConfig c = FlowControlConfig.parse("cfg.yaml", FlowControllerTest.node(
                "saturationDetector: {pluginRef: sat}"), name -> name.equals("sat") ? detector : null);
        assertThat(c.saturationDetectorRef()).isEqualTo("sat");
        assertThatThrownBy(() -> parse("saturationDetector: {pluginRef: sat}"))
                .hasMessage("cfg.yaml: flowControl.saturationDetector.pluginRef: no plugin named 'sat'");
        assertThatThrownBy(() -> FlowControlConfig.parse("cfg.yaml", FlowControllerTest.node(
                "saturationDetector: {pluginRef: q}"), name -> name.equals("q") ? new QueueScorer(name) : null))
                .hasMessage("cfg.yaml: flowControl.saturationDetector.pluginRef: plugin 'q' (queue-scorer) is not a "
                        + "saturation detector");
        assertThatThrownBy(() -> parse("saturationDetector: {plugin: sat}"))
                .hasMessage("cfg.yaml: flowControl.saturationDetector.plugin: unknown field; expected one of "
                        + "[pluginRef]");
        assertThatThrownBy(() -> parse("saturationDetector: sat"))
                .hasMessage("cfg.yaml: flowControl.saturationDetector: must be a mapping with pluginRef");
    }
}
