package io.quarkiverse.llmd.it.kvevents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.kvevents.KvEventSubscribers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A pool added at runtime (one LLMInferenceService of the KServe binding, say) whose EndpointPickerConfig has the
 * precise prefix-cache pipeline gets its KV-event subscription like a configured pool: its pods' events feed its
 * index and a repeated prefix goes to the holder; a new configuration replaces the subscription and removal stops it
 * and takes its series away.
 */
@QuarkusTest
@TestProfile(RuntimePoolKvEventsTest.DefaultConfigPerPodFleet.class)
class RuntimePoolKvEventsTest {

    static final String POOL = "team/precise";

    /** The configured pool keeps llm-d's default (no KV events): only the runtime pool subscribes. */
    public static class DefaultConfigPerPodFleet implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KvEventsFleetResource.class, Map.of("mode", "per-pod")));
        }
    }

    @Inject
    DynamicPools dynamic;

    @Inject
    KvEventSubscribers subscribers;

    @ConfigProperty(name = "kvevents.pub-port")
    int pubPort;

    @ConfigProperty(name = "kvevents.replay-port")
    int replayPort;

    private DynamicPools.Spec spec() {
        return new DynamicPools.Spec(POOL, Set.of(KvEventRoutingTestBase.MODEL), "test-llmisvc",
                KvEventsProfiles.config("""
                        topicFilter: "kv@"
                        discoverPods: true
                        podDiscoveryConfig:
                          socketPort: %d
                          replaySocketPort: %d
                        """.formatted(pubPort, replayPort)));
    }

    /** The base class's helpers, reading this test's subscriptions. */
    private KvEventRoutingTestBase helpers() {
        KvEventRoutingTestBase helpers = new KvEventRoutingTestBase() {
        };
        helpers.subscribers = subscribers;
        return helpers;
    }

    @Test
    void aRuntimePoolIsFedByKvEventsUntilItIsRemoved() {
        assertThat(subscribers.subscriptions()).as("the configured pool has no KV-event plugin").isEmpty();
        try {
            dynamic.put(spec());
            dynamic.registry(POOL).replaceAll(List.of(
                    Endpoint.of(POOL + "-a", KvEventRoutingTestBase.address("a"), Map.of()),
                    Endpoint.of(POOL + "-b", KvEventRoutingTestBase.address("b"), Map.of())));
            assertThat(subscribers.subscriptions()).containsOnlyKeys(POOL + "/precise-prefix-cache-producer");
            KvEventSubscribers.Subscription first = helpers().subscription();

            int[] onA = KvEventRoutingTestBase.prompt(11, 8);
            helpers().warmUntilIndexed("a", onA);
            for (int i = 0; i < 3; i++) {
                assertThat(KvEventRoutingTestBase.route(KvEventRoutingTestBase.withSuffix(onA, 300 + i)))
                        .as("request %d with a's prefix", i).isEqualTo(KvEventRoutingTestBase.address("a"));
            }
            assertThat(metrics()).contains("llm_d_epp_kv_events_received_total{pool=\"" + POOL + "\"}");

            // a new configuration (the service's annotation edited): a new subscription, fed from scratch
            dynamic.put(spec());
            assertThat(subscribers.subscriptions()).containsOnlyKeys(POOL + "/precise-prefix-cache-producer");
            assertThat(helpers().subscription()).isNotSameAs(first);
            int[] onB = KvEventRoutingTestBase.prompt(12, 8);
            helpers().warmUntilIndexed("b", onB);
            assertThat(KvEventRoutingTestBase.route(KvEventRoutingTestBase.withSuffix(onB, 400)))
                    .isEqualTo(KvEventRoutingTestBase.address("b"));

            assertThat(dynamic.remove(POOL)).isTrue();
            assertThat(subscribers.subscriptions()).isEmpty();
            assertThat(metrics()).doesNotContain("llm_d_epp_kv_events_received_total{pool=\"" + POOL + "\"}");
        } finally {
            dynamic.remove(POOL);
        }
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
