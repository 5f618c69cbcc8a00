package io.quarkiverse.llmd.it.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The application's own plugins are CDI beans with an identifier, named by type in the EndpointPickerConfig. */
@QuarkusTest
@TestProfile(CdiPluginsTest.Profile.class)
class CdiPluginsTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.config-text", """
                    apiVersion: llm-d.ai/v1alpha1
                    kind: EndpointPickerConfig
                    plugins:
                    - type: queue-scorer
                    - type: prefer-b-scorer
                    - name: no-c
                      type: exclude-name-filter
                      parameters:
                        excluded: vllm-c
                    schedulingProfiles:
                    - name: default
                      plugins:
                      - pluginRef: no-c
                      - pluginRef: queue-scorer
                      - pluginRef: prefer-b-scorer
                        weight: 5
                    """,
                    "quarkus.llmd.endpoints.\"default/vllm-c-rank-0\".address", "127.0.0.3:18003");
        }
    }

    @Inject
    Scheduler scheduler;

    @Inject
    RequestPipeline director;

    @Test
    void beanPluginsAreInstantiatedFromTheConfigAndSteerDecisions() throws Exception {
        assertThat(scheduler.plugins()).containsKeys("prefer-b-scorer", "no-c");
        for (int i = 0; i < 5; i++) {
            Decision d = director.decide("/v1/completions", Map.of(),
                    ("{\"model\":\"m\",\"prompt\":\"hello " + i + "\"}").getBytes(StandardCharsets.UTF_8), null)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(d).isInstanceOfSatisfying(RoutedRequest.class, r -> {
                assertThat(r.result().primary().primary().name()).isEqualTo("default/vllm-b-rank-0");
                r.complete(ResponseOutcome.succeeded(1, 1, 0));
            });
        }
    }

    @Test
    void theFactoryBeanReceivedItsParameters() throws Exception {
        // the filter was built by the factory bean from its parameters: it drops vllm-c and keeps the others
        var filter = (io.quarkiverse.llmd.engine.framework.scheduling.Filter) scheduler.plugins().get("no-c");
        var kept = filter.filter(null, director.endpoints());
        assertThat(kept).extracting(e -> e.name()).containsExactly("default/vllm-a-rank-0", "default/vllm-b-rank-0");
    }
}
