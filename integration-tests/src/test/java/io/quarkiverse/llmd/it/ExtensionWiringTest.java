package io.quarkiverse.llmd.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.director.Decision;
import io.quarkiverse.llmd.runtime.director.RequestDirector;
import io.quarkiverse.llmd.runtime.director.RoutedRequest;
import io.quarkus.test.junit.QuarkusTest;

/** The extension wires llm-d's default scheduler and the configured static endpoints into CDI. */
@QuarkusTest
class ExtensionWiringTest {

    @Inject
    Scheduler scheduler;

    @Inject
    RequestDirector director;

    @Test
    void defaultConfigurationAndStaticEndpointsAreWired() throws Exception {
        assertThat(scheduler.profiles()).containsOnlyKeys("default");
        assertThat(director.registry().endpoints()).extracting(e -> e.name())
                .containsExactly("default/vllm-a-rank-0", "default/vllm-b-rank-0");

        Decision decision = director.decide("/v1/completions", Map.of(),
                "{\"model\":\"m\",\"prompt\":\"hello\"}".getBytes(StandardCharsets.UTF_8), null)
                .toCompletableFuture().get();
        assertThat(decision).isInstanceOf(RoutedRequest.class);
        assertThat(((RoutedRequest) decision).destinationHeader()).isIn("127.0.0.1:18001", "127.0.0.2:18002");
    }

    @Test
    void malformedBodyIsRejectedWith400() throws Exception {
        Decision decision = director.decide("/v1/chat/completions", Map.of(), "{\"model\":\"m\"}".getBytes(
                StandardCharsets.UTF_8), null).toCompletableFuture().get();
        assertThat(decision).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.eppBody()).startsWith("inference error: BadRequest - ");
        });
    }
}
