package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.runtime.devui.DecisionLog;
import io.quarkiverse.llmd.runtime.devui.LlmdJsonRpcService;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The Dev UI's JSON-RPC service over a Dev Services fleet (registered by hand here: the Dev UI steps run in dev mode
 * only).
 */
class DevUiJsonRpcServiceTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withEmptyApplication()
            // every server on a free port, so that the tests pass next to a running gateway (8080, 9002, 9003, 9090)
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("quarkus.grpc.server.test-port", "0")
            .overrideConfigKey("quarkus.llmd.ext-proc.health-port", "0")
            .overrideConfigKey("quarkus.llmd.metrics.port", "0")
            .overrideConfigKey("quarkus.llmd.devservices.profiles", "L4")
            .overrideConfigKey("quarkus.llmd.data-layer.scrape", "false")
            .addBuildChainCustomizer(chain -> chain.addBuildStep(context -> context.produce(
                    AdditionalBeanBuildItem.builder().addBeanClasses(LlmdJsonRpcService.class, DecisionLog.class)
                            .setUnremovable().build()))
                    .produces(AdditionalBeanBuildItem.class).build());

    @Inject
    LlmdJsonRpcService service;

    @Inject
    RequestPipeline pipeline;

    @Test
    void endpointsProfilesAndDecisions() {
        List<LlmdJsonRpcService.EndpointInfo> endpoints = service.getEndpoints();
        assertEquals(List.of("sim-l4-0", "sim-l4-1"), endpoints.stream().map(LlmdJsonRpcService.EndpointInfo::name)
                .toList());
        assertEquals("L4", endpoints.get(0).accelerator());
        assertEquals("decode", endpoints.get(0).role());
        assertEquals(-1, endpoints.get(0).metricsAgeMillis());
        assertEquals("2", service.getEndpointCount());
        List<LlmdJsonRpcService.PoolInfo> pools = service.getPools();
        assertEquals(1, pools.size());
        assertEquals(2, pools.get(0).endpoints());
        assertEquals("", pools.get(0).condition());

        LlmdJsonRpcService.ConfigInfo config = service.getProfiles();
        assertEquals(List.of("default"), config.profiles().stream().map(LlmdJsonRpcService.ProfileInfo::name).toList());
        assertEquals(List.of("queue-scorer", "kv-cache-utilization-scorer", "prefix-cache-scorer"),
                config.profiles().get(0).scorers().stream().map(LlmdJsonRpcService.ScorerInfo::type).toList());
        assertEquals(3.0, config.profiles().get(0).scorers().get(2).weight());

        DecisionLog.Entry entry = service.tryRequest("llmd-sim/llama-3-8b", "hello");
        assertTrue(entry.succeeded());
        assertEquals("default", entry.profile());
        assertTrue(entry.endpoint().startsWith("sim-l4-"), entry.endpoint());
        DecisionLog.ProfileRun run = entry.runs().get(0);
        assertEquals(2, run.scores().size(), "every candidate is scored");
        assertEquals(3, run.scores().get(0).byScorer().size());
        assertTrue(run.scores().get(0).picked());
        assertFalse(run.scores().get(1).picked());
        assertEquals(List.of(entry), service.getDecisions());
        assertTrue(endpoints.stream().allMatch(e -> !e.pool().isEmpty()), "every endpoint names its pool");

        // live traffic shows up too: the log observes the pool's pipeline, not only dry runs
        Decision live = pipeline.decide("/v1/completions", Map.of(),
                "{\"model\":\"llmd-sim/llama-3-8b\",\"prompt\":\"live\"}".getBytes(StandardCharsets.UTF_8), null)
                .toCompletableFuture().join();
        ((RoutedRequest) live).complete(ResponseOutcome.FAILED);
        assertEquals(2, service.getDecisions().size());
        assertTrue(service.getDecisions().stream().anyMatch(d -> "live".equals(d.source()) && d.succeeded()),
                service.getDecisions().toString());
    }
}
