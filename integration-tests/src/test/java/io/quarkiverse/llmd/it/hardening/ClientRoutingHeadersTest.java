package io.quarkiverse.llmd.it.hardening;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkiverse.llmd.it.proxy.HealthyFleetProfile;
import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * In proxy mode no trusted route sets the model-name rewrite headers, so one sent by a client must not be honoured:
 * otherwise any client can send its request to another model than the one it named (and than the one a gateway
 * policy or the metrics attribute it to). The request is served for the model in its body.
 */
@QuarkusTest
@TestProfile(HealthyFleetProfile.class)
class ClientRoutingHeadersTest {

    @ParameterizedTest
    @ValueSource(strings = { "x-gateway-model-name-rewrite", "x-llm-d-model-name-rewrite" })
    void aClientSentRewriteHeaderIsIgnored(String header) {
        given().contentType(ContentType.JSON).header(header, "model-the-client-may-not-pick")
                .body("{\"model\":\"" + SimFleetResource.MODEL + "\",\"prompt\":\"Hello\",\"max_tokens\":2}")
                .post("/v1/completions")
                .then().statusCode(200)
                .body("model", equalTo(SimFleetResource.MODEL));
    }
}
