package io.quarkiverse.llmd.it.hardening;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.pipeline.RequestRecord;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.it.proxy.MetricsScraperTest;
import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Proxy authentication: no key or an unknown one is 401 OpenAI-style; a key's tenant is the fairness id. */
@QuarkusTest
@TestProfile(ApiKeysProfile.class)
class ApiKeysTest {

    static final String BODY = "{\"model\":\"" + SimFleetResource.MODEL + "\",\"prompt\":\"hi\",\"max_tokens\":2}";

    @Inject
    Pools pools;

    private final List<RequestRecord> records = new CopyOnWriteArrayList<>();
    private Runnable stop;

    @BeforeEach
    void observe() {
        stop = pools.all().get(0).pipeline().observeRequests(records::add);
    }

    @AfterEach
    void unobserve() {
        stop.run();
    }

    @Test
    void withoutAKeyEveryRouteIs401() {
        given().contentType(ContentType.JSON).body(BODY).post("/v1/completions")
                .then().statusCode(401).header("www-authenticate", "Bearer")
                .body("error.code", equalTo(401)).body("error.type", equalTo("AuthenticationError"))
                .body("error.message", org.hamcrest.Matchers.containsString("didn't provide an API key"));
        given().get("/v1/models").then().statusCode(401);
        assertThat(records).as("a refused request is not scheduled").isEmpty();
    }

    @Test
    void anUnknownKeyIs401AndIsNotEchoed() {
        String wrong = "sk-wrong-0000000000000000";
        String answer = given().contentType(ContentType.JSON).header("authorization", "Bearer " + wrong).body(BODY)
                .post("/v1/completions").then().statusCode(401)
                .body("error.message", equalTo("Incorrect API key provided.")).extract().asString();
        assertThat(answer).doesNotContain(wrong);
    }

    @Test
    void theKeysTenantIsTheFairnessIdWhateverTheClientSays() {
        given().contentType(ContentType.JSON).header("authorization", "Bearer " + ApiKeysProfile.ALICE_KEY)
                .header("x-llm-d-inference-fairness-id", "someone-else").body(BODY).post("/v1/completions")
                .then().statusCode(200);
        given().contentType(ContentType.JSON).header("api-key", ApiKeysProfile.BOB_KEY).body(BODY)
                .post("/v1/completions").then().statusCode(200);
        MetricsScraperTest.await("both requests completed", () -> records.size() == 2);
        assertThat(records).extracting(RequestRecord::fairnessId).containsExactlyInAnyOrder("alice", "bob");
        given().header("authorization", "Bearer " + ApiKeysProfile.BOB_KEY).get("/v1/models").then().statusCode(200);
    }
}
