package io.quarkiverse.llmd.it.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkiverse.llmd.runtime.proxy.ProxyMetrics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Retries, mid-stream failures and the error statuses of the proxy. */
@QuarkusTest
@TestProfile(FailureFleetProfile.class)
class ProxyFailureTest {

    static final String STEER = "test-epp-endpoint-selection";
    static final String COMPLETION = "{\"model\":\"" + SimFleetResource.MODEL
            + "\",\"prompt\":\"Hello world\",\"max_tokens\":4,\"ignore_eos\":true";

    @Inject
    EndpointRegistry registry;

    @Inject
    ProxyMetrics metrics;

    @Inject
    Scheduler scheduler;

    private Endpoint byAddress(String address) {
        return registry.snapshot().byAddress().get(address);
    }

    @Test
    void deadEndpointIsRetriedOnAnotherOne() {
        String dead = SimFleetResource.address("dead");
        String healthy = SimFleetResource.address("healthy");
        // the queue scorer prefers the dead endpoint: it reports an empty queue, the healthy one a long one
        registry.updateMetrics(Map.of(byAddress(dead).name(), EndpointMetrics.load(0, 0, 0.0, Instant.now()),
                byAddress(healthy).name(), EndpointMetrics.load(50, 10, 0.5, Instant.now())));
        long retries = metrics.retries();
        for (String stream : List.of("false", "true")) {
            Response r = given().contentType(ContentType.JSON).header(STEER, dead + "," + healthy)
                    .body(COMPLETION + ",\"stream\":" + stream + "}").post("/v1/completions");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.header(HeaderHygiene.SERVED_HEADER)).isEqualTo(healthy);
        }
        assertThat(metrics.retries()).isEqualTo(retries + 2);
    }

    @Test
    void a503BeforeTheBodyIsRetriedOnAnotherEndpoint() {
        String overloaded = SimFleetResource.address("overloaded");
        String healthy = SimFleetResource.address("healthy");
        registry.updateMetrics(Map.of(byAddress(overloaded).name(), EndpointMetrics.load(0, 0, 0.0, Instant.now()),
                byAddress(healthy).name(), EndpointMetrics.load(50, 10, 0.5, Instant.now())));
        long retries = metrics.retries();
        given().contentType(ContentType.JSON).header(STEER, overloaded + "," + healthy).body(COMPLETION + "}")
                .post("/v1/completions")
                .then().statusCode(200).header(HeaderHygiene.SERVED_HEADER, equalTo(healthy));
        assertThat(metrics.retries()).isEqualTo(retries + 1);
        // with nowhere else to go, the client gets a 503 naming the pod
        given().contentType(ContentType.JSON).header(STEER, overloaded).body(COMPLETION + "}")
                .post("/v1/completions")
                .then().statusCode(503).body("error.code", equalTo(503))
                .body("error.message", org.hamcrest.Matchers.containsString(overloaded));
    }

    @AfterEach
    void everyExchangeWasCompleted() {
        List<InFlightLoadProducer> producers = scheduler.pluginsOf(InFlightLoadProducer.class);
        assertThat(producers).isNotEmpty();
        MetricsScraperTest.await("every routed request is completed", () -> producers.get(0).snapshot().values()
                .stream().allMatch(c -> c[0] == 0));
    }

    @Test
    void connectionDroppedMidStreamEndsTheStreamCleanly() {
        String dropping = SimFleetResource.address("dropping");
        long before = metrics.midStreamFailures();
        Response r = given().contentType(ContentType.JSON).header(STEER, dropping)
                .body("{\"model\":\"" + SimFleetResource.MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Hi\"}],\"max_tokens\":50,\"ignore_eos\":true,\"stream\":true}")
                .post("/v1/chat/completions");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> events = ProxyTest.events(r.asString());
        assertThat(events).last().isEqualTo("[DONE]");
        String error = events.get(events.size() - 2);
        assertThat(io.restassured.path.json.JsonPath.from(error).getInt("error.code")).isEqualTo(502);
        assertThat(events.get(0)).contains("chat.completion.chunk");
        assertThat(metrics.midStreamFailures()).isGreaterThan(before);
    }

    @Test
    void connectionDroppedBeforeTheResponseIsRescheduledOnAnotherPodOfTheSameIp() {
        // the steering header names the dropping pod; the retry reschedules without it, and the testing filter's
        // same-IP fallback then finds the healthy pod that shares its IP: the failed pod itself is never tried again
        String dropping = SimFleetResource.address("dropping");
        given().contentType(ContentType.JSON).header(STEER, dropping).body(COMPLETION + "}").post("/v1/completions")
                .then().statusCode(200)
                .header(HeaderHygiene.SERVED_HEADER, SimFleetResource.address("healthy"));
    }

    @Test
    void anUnreachablePodWithNowhereElseToGoIs502() {
        String dead = SimFleetResource.address("dead"); // alone on its IP: the retry finds no endpoint
        given().contentType(ContentType.JSON).header(STEER, dead).body(COMPLETION + "}").post("/v1/completions")
                .then().statusCode(502)
                .body("error.code", equalTo(502))
                .body("error.type", equalTo("BadGatewayError"))
                .body("error.message", notNullValue());
    }

    @Test
    void noEndpointAfterFilteringIs429() {
        given().contentType(ContentType.JSON).body(COMPLETION + "}").post("/v1/completions")
                .then().statusCode(429)
                .body("error.type", equalTo("RateLimitError"))
                .body("error.code", equalTo(429));
    }

    @Test
    void flowControlRejectionCarriesTheDroppedReason() {
        given().contentType(ContentType.JSON).header("x-test-shed", "1")
                .header(STEER, SimFleetResource.address("healthy")).body(COMPLETION + "}").post("/v1/completions")
                .then().statusCode(429)
                .header("x-llm-d-request-dropped-reason", equalTo("rejected-saturated"))
                .body("error.code", equalTo(429))
                .body("error.message", equalTo("request shed: the pool is saturated"));
    }

    @Test
    void emptyPoolIs503() {
        List<Endpoint> saved = registry.endpoints();
        registry.replaceAll(List.of());
        try {
            given().contentType(ContentType.JSON).body(COMPLETION + "}").post("/v1/completions")
                    .then().statusCode(503)
                    .body("error.type", equalTo("ServiceUnavailableError"))
                    .body("error.code", equalTo(503));
            given().get("/v1/models").then().statusCode(503).body("error.code", equalTo(503));
        } finally {
            registry.replaceAll(saved);
        }
    }
}
