package io.quarkiverse.llmd.examples.embedding;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** Over HTTP: the extension's OpenAI proxy routes, and the application's own route that asks the scheduler only. */
@QuarkusTest
class RoutesTest {

    static final String CHAT = """
            {"model":"llmd-sim/llama-3-8b","messages":[{"role":"user","content":"Why is the sky blue?"}],\
            "max_tokens":8}""";

    @Test
    void theProxyRoutesForwardToAScheduledPod() {
        JsonPath answer = given().contentType(ContentType.JSON).body(CHAT).post("/v1/chat/completions").then()
                .statusCode(200).extract().jsonPath();
        assertThat(answer.getString("choices[0].message.content")).isNotBlank();
        assertThat(answer.getInt("usage.completion_tokens")).isPositive();
    }

    @Test
    void theModelListIsTheFleets() {
        assertThat(given().get("/v1/models").then().statusCode(200).extract().jsonPath().getList("data.id"))
                .containsExactly("llmd-sim/llama-3-8b");
    }

    @Test
    void thePickRouteNamesThePodWithoutForwarding() {
        JsonPath picked = given().contentType(ContentType.JSON).body(CHAT).post("/pick").then().statusCode(200)
                .extract().jsonPath();
        assertThat(picked.getString("endpoint")).startsWith("sim-h100-");
        assertThat(picked.getString("address")).startsWith("127.0.0.1:");
    }

    @Test
    void aBodyThatIsNotAnOpenAiRequestIsRefused() {
        given().contentType(ContentType.JSON).body("{\"messages\":42}").post("/pick").then().statusCode(400);
    }
}
