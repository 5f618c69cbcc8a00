package io.quarkiverse.llmd.it.flowcontrol;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Flow control on: requests wait while the pool is saturated and leave by priority when it has room. */
@QuarkusTest
@TestProfile(FlowControlTest.Profile.class)
class FlowControlTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.config-text", Pool.CONFIG_PREFIX + """
                    featureGates: [flowControl]
                    flowControl:
                      maxRequests: 3
                      priorityBands:
                        - priority: 10
                        - priority: 0
                          fairnessPolicyRef: round-robin-fairness-policy
                    """,
                    "quarkus.llmd.objectives.critical.priority", "10");
        }
    }

    @Inject
    RequestPipeline director;

    @Inject
    EndpointRegistry registry;

    private final List<PendingDecision> pending = new ArrayList<>();

    @BeforeEach
    void saturate() {
        Pool.saturate(registry);
    }

    @AfterEach
    void cleanUp() throws Exception {
        pending.forEach(PendingDecision::cancel);
        for (PendingDecision p : pending) {
            if (p.get(10, TimeUnit.SECONDS) instanceof RoutedRequest r) {
                r.complete(ResponseOutcome.FAILED);
            }
        }
        Pool.relieve(registry);
    }

    private PendingDecision submit(String objective) {
        PendingDecision p = director.submit("/v1/completions", Pool.objective(objective), Pool.body("hello"), null);
        pending.add(p);
        return p;
    }

    @Test
    void requestWaitsWhileSaturatedAndIsScheduledWhenSaturationDrops() throws Exception {
        assertThat(director.flowControlEnabled()).isTrue();
        PendingDecision p = submit(null);
        assertThat(p.isDone()).isFalse();
        assertThat(p.queued()).isTrue();
        assertThat(director.flowControlQueueSize()).isEqualTo(1);

        Pool.relieve(registry);
        Decision d = p.get(10, TimeUnit.SECONDS);
        assertThat(d).isInstanceOfSatisfying(RoutedRequest.class,
                r -> assertThat(r.destinationHeader()).isIn("127.0.0.1:18001", "127.0.0.2:18002"));
        assertThat(director.flowControlQueueSize()).isZero();

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("inference_extension_flow_control_queue_size{",
                "inference_extension_flow_control_request_queue_duration_seconds_count{",
                "outcome=\"Dispatched\"", "inference_extension_flow_control_pool_saturation{");
    }

    @Test
    void higherPriorityLeavesFirst() throws Exception {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        for (String objective : new String[] { null, null, "critical" }) {
            PendingDecision p = submit(objective);
            p.thenAccept(d -> order.add(((RoutedRequest) d).priority()));
        }
        Pool.relieve(registry);
        for (PendingDecision p : pending) {
            p.get(10, TimeUnit.SECONDS);
        }
        assertThat(order).containsExactly(10, 0, 0);
    }

    @Test
    void capacityRejectsWith429AndCancellationWith503() throws Exception {
        PendingDecision a = submit(null);
        submit(null);
        submit("critical");
        PendingDecision over = submit(null);
        assertThat(over.isDone()).isTrue();
        assertThat(over.get()).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.code()).isEqualTo("ResourceExhausted");
            assertThat(r.droppedReason()).isEqualTo("rejected-saturated");
        });

        assertThat(a.cancel()).isTrue();
        assertThat(a.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(Decision.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.droppedReason()).isEqualTo("rejected-context-cancelled");
        });
        assertThat(a.cancel()).isFalse();
        assertThat(director.flowControlQueueSize()).isEqualTo(2);
    }
}
