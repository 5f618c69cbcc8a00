package io.quarkiverse.llmd.it.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** The OpenAI proxy over two healthy simulated pods, with REST Assured. */
@QuarkusTest
@TestProfile(HealthyFleetProfile.class)
class ProxyTest {

    static final String MODEL = SimFleetResource.MODEL;

    @Inject
    EndpointRegistry registry;

    static List<String> pods() {
        return List.of(SimFleetResource.address("a"), SimFleetResource.address("b"));
    }

    @Test
    void chatCompletionNotStreamed() {
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],"
                        + "\"max_tokens\":8}")
                .post("/v1/chat/completions")
                .then().statusCode(200)
                .contentType(ContentType.JSON)
                .header(HeaderHygiene.SERVED_HEADER, org.hamcrest.Matchers.in(pods()))
                .body("object", equalTo("chat.completion"))
                .body("model", equalTo(MODEL))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].message.content", notNullValue())
                .body("usage.prompt_tokens", greaterThan(0))
                .body("usage.completion_tokens", greaterThan(0));
    }

    @Test
    void completionNotStreamed() {
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":5}")
                .post("/v1/completions")
                .then().statusCode(200)
                .body("object", equalTo("text_completion"))
                .body("choices[0].text", notNullValue())
                .body("usage.completion_tokens", greaterThan(0))
                .body("usage.total_tokens", greaterThan(0));
    }

    @Test
    void chatCompletionStreamedWithUsage() {
        Response r = given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}],"
                        + "\"max_tokens\":12,\"ignore_eos\":true,\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}")
                .post("/v1/chat/completions");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/event-stream");
        assertThat(r.header(HeaderHygiene.SERVED_HEADER)).isIn(pods());
        List<String> events = events(r.asString());
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        JsonPath first = JsonPath.from(events.get(0));
        assertThat(first.getString("object")).isEqualTo("chat.completion.chunk");
        assertThat(first.getString("choices[0].delta.role")).isEqualTo("assistant");
        JsonPath usage = JsonPath.from(events.get(events.size() - 2));
        assertThat(usage.getInt("usage.completion_tokens")).isEqualTo(12);
        assertThat(usage.getList("choices")).isEmpty();
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(1, events.size() - 2)) {
            text.append(JsonPath.from(e).getString("choices[0].delta.content"));
        }
        assertThat(text).isNotEmpty();
    }

    @Test
    void completionStreamed() {
        Response r = given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"Count with me\",\"max_tokens\":6,\"ignore_eos\":true,"
                        + "\"stream\":true}")
                .post("/v1/completions");
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> events = events(r.asString());
        assertThat(events).last().isEqualTo("[DONE]");
        assertThat(events.subList(0, events.size() - 1)).allSatisfy(e -> assertThat(JsonPath.from(e)
                .getString("object")).isEqualTo("text_completion"));
        assertThat(JsonPath.from(events.get(events.size() - 2)).getString("choices[0].finish_reason"))
                .isEqualTo("length");
    }

    @Test
    void rewrittenModelNameIsPutBackInResponses() {
        String body = "{\"model\":\"my-alias\",\"prompt\":\"Hello\",\"max_tokens\":4,\"ignore_eos\":true";
        // my-alias -> sim-model comes from quarkus.llmd.model-rewrites (HealthyFleetProfile)
        given().contentType(ContentType.JSON)
                .body(body + "}").post("/v1/completions")
                .then().statusCode(200).body("model", equalTo("my-alias"));
        String stream = given().contentType(ContentType.JSON)
                .body(body + ",\"stream\":true}").post("/v1/completions").then().statusCode(200)
                .extract().asString();
        List<String> events = events(stream);
        assertThat(events.subList(0, events.size() - 1)).allSatisfy(e -> assertThat(JsonPath.from(e)
                .getString("model")).isEqualTo("my-alias"));
        assertThat(stream).doesNotContain("\"model\":\"" + MODEL + "\"");
    }

    @Test
    void responsesAndEmbeddingsAreScheduledAndForwarded() {
        // the simulator serves neither API: its 404 proves the request was scheduled and reached a pod
        given().contentType(ContentType.JSON).body("{\"model\":\"" + MODEL + "\",\"input\":\"Hello\"}")
                .post("/v1/responses")
                .then().statusCode(404).header(HeaderHygiene.SERVED_HEADER, org.hamcrest.Matchers.in(pods()))
                .body("error.message", org.hamcrest.Matchers.containsString("/v1/responses"));
        given().contentType(ContentType.JSON).body("{\"model\":\"" + MODEL + "\",\"input\":[\"Hello\"]}")
                .post("/v1/embeddings")
                .then().statusCode(404).header(HeaderHygiene.SERVED_HEADER, org.hamcrest.Matchers.in(pods()));
        given().contentType(ContentType.JSON).body("{\"model\":\"" + MODEL + "\"}").post("/v1/responses")
                .then().statusCode(400).body("error.type", equalTo("BadRequestError"));
    }

    @Test
    void modelsAreMergedAcrossThePool() {
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", equalTo(List.of(MODEL)))
                .body("data[0].owned_by", equalTo("vllm"));
    }

    @Test
    void malformedBodyIs400() {
        given().contentType(ContentType.JSON).body("{not json").post("/v1/chat/completions")
                .then().statusCode(400)
                .body("error.type", equalTo("BadRequestError"))
                .body("error.code", equalTo(400))
                .body("error.message", notNullValue());
        given().contentType(ContentType.JSON).body("{\"model\":\"" + MODEL + "\"}").post("/v1/chat/completions")
                .then().statusCode(400).body("error.code", equalTo(400));
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        given().contentType(ContentType.JSON).body("{}").post("/v1/nothing-here")
                .then().statusCode(404).body("error.type", equalTo("NotFoundError")).body("error.code", equalTo(404));
        given().get("/v1/chat/completions").then().statusCode(405).body("error.code", equalTo(405));
    }

    @Test
    void tooLargeBodyIs413() {
        String big = "x".repeat(70 * 1024);
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"" + big + "\"}")
                .post("/v1/completions")
                .then().statusCode(413)
                .body("error.code", equalTo(413))
                .body("error.type", equalTo("RequestTooLargeError"));
    }

    @Test
    void upstreamErrorsPassThrough() {
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"no-such-model\",\"prompt\":\"Hi\",\"max_tokens\":2}")
                .post("/v1/completions")
                .then().statusCode(404)
                .body("error.message", org.hamcrest.Matchers.containsString("does not exist"));
    }

    /** The payloads of the {@code data:} events of an SSE body. */
    static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6).trim());
            }
        }
        return out;
    }
}
