package io.quarkiverse.llmd.it.pd;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.it.proxy.MetricsScraperTest;
import io.quarkiverse.llmd.it.proxy.RecordingFront;
import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/** Prefill/decode end to end on simulated prefill and decode pods, through the proxy and through the sidecar. */
@QuarkusTest
@TestProfile(PdFleetProfile.class)
class PdTest {

    static final String MODEL = SimFleetResource.MODEL;

    RecordingFront prefill;
    RecordingFront decode;

    @BeforeEach
    void clear() {
        prefill = SimFleetResource.front("prefill");
        decode = SimFleetResource.front("decode");
        prefill.clear();
        decode.clear();
    }

    @Inject
    Scheduler scheduler;

    @AfterEach
    void everyExchangeWasCompleted() {
        var producers = scheduler.pluginsOf(InFlightLoadProducer.class);
        assertThat(producers).isNotEmpty();
        MetricsScraperTest.await("every routed request is completed", () -> producers.get(0).snapshot().values()
                .stream().allMatch(c -> c[0] == 0));
    }

    static String longPrompt(String topic) {
        return ("Please write a detailed essay about " + topic + ". ").repeat(12);
    }

    private static String chat(String content, boolean stream) {
        return "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content
                + "\"}],\"max_tokens\":7,\"ignore_eos\":true" + (stream
                        ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
                        : "}");
    }

    private void assertPrefillThenDecode(String path) {
        assertThat(prefill.seen()).hasSize(1);
        RecordingFront.Seen p = prefill.seen().get(0);
        assertThat(p.path()).isEqualTo(path);
        JsonObject pb = p.json();
        JsonObject kv = pb.getJsonObject("kv_transfer_params");
        assertThat(kv.getBoolean("do_remote_decode")).isTrue();
        assertThat(kv.getBoolean("do_remote_prefill")).isFalse();
        assertThat(kv.containsKey("remote_engine_id")).isTrue();
        assertThat(kv.getValue("remote_engine_id")).isNull();
        assertThat(pb.getBoolean("stream")).isFalse();
        assertThat(pb.containsKey("stream_options")).isFalse();
        assertThat(pb.getInteger("max_tokens")).isEqualTo(1);
        assertThat(pb.getInteger("max_completion_tokens")).isEqualTo(1);
        assertThat(p.headers().get("x-request-id")).isNotBlank();

        assertThat(decode.seen()).hasSize(1);
        RecordingFront.Seen d = decode.seen().get(0);
        JsonObject dkv = d.json().getJsonObject("kv_transfer_params");
        assertThat(dkv.getBoolean("do_remote_prefill")).isTrue();
        assertThat(dkv.getBoolean("do_remote_decode")).isFalse();
        assertThat(dkv.getString("remote_engine_id")).isNotBlank();
        assertThat(dkv.getJsonArray("remote_block_ids")).isNotEmpty();
        assertThat(d.json().getInteger("max_tokens")).isEqualTo(7);
        assertThat(d.headers()).doesNotContainKey(HeaderHygiene.PREFILLER);
        assertThat(d.headers().get("x-request-id")).isNotEqualTo(p.headers().get("x-request-id"));
    }

    @Test
    void longPromptIsPrefilledRemotelyThenDecoded() {
        given().contentType(ContentType.JSON).body(chat(longPrompt("tides"), false))
                .post("/v1/chat/completions")
                .then().statusCode(200)
                .header(HeaderHygiene.SERVED_HEADER, equalTo(decode.address()))
                .body("choices[0].message.content", org.hamcrest.Matchers.notNullValue())
                .body("usage.completion_tokens", equalTo(7))
                .body("usage.prompt_tokens", greaterThan(16));
        assertPrefillThenDecode("/v1/chat/completions");
    }

    @Test
    void longPromptStreamedIsPrefilledRemotelyThenDecoded() {
        Response r = given().contentType(ContentType.JSON).body(chat(longPrompt("volcanoes"), true))
                .post("/v1/chat/completions");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.asString()).endsWith("data: [DONE]\n\n");
        assertPrefillThenDecode("/v1/chat/completions");
        assertThat(decode.seen().get(0).json().getBoolean("stream")).isTrue();
        assertThat(decode.seen().get(0).json().getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    }

    @Test
    void shortPromptIsDecodedOnly() {
        given().contentType(ContentType.JSON).body(chat("Hi", false)).post("/v1/chat/completions")
                .then().statusCode(200).header(HeaderHygiene.SERVED_HEADER, equalTo(decode.address()));
        assertThat(prefill.seen()).isEmpty();
        assertThat(decode.seen()).hasSize(1);
        assertThat(decode.seen().get(0).json().containsKey("kv_transfer_params")).isFalse();
    }

    @Test
    void routingHeadersSentByClientsAreStripped() {
        given().contentType(ContentType.JSON)
                .header(HeaderHygiene.PREFILLER, prefill.address())
                .header("x-gateway-destination-endpoint", prefill.address())
                .header("x-gateway-destination-endpoint-subset", prefill.address())
                .header(HeaderHygiene.ENCODERS, prefill.address())
                .header(HeaderHygiene.DATA_PARALLEL, prefill.address())
                .header("x-custom", "kept")
                .body(chat("Hi", false)).post("/v1/chat/completions")
                .then().statusCode(200);
        assertThat(prefill.seen()).as("the client's prefiller header must not trigger a prefill").isEmpty();
        assertThat(decode.seen()).hasSize(1);
        var headers = decode.seen().get(0).headers();
        assertThat(headers).doesNotContainKeys(HeaderHygiene.PREFILLER, "x-gateway-destination-endpoint",
                "x-gateway-destination-endpoint-subset", HeaderHygiene.ENCODERS, HeaderHygiene.DATA_PARALLEL);
        assertThat(headers).containsEntry("x-custom", "kept");
    }

    @Test
    void sidecarRunsPrefillOnTheNamedPodThenDecodesLocally() {
        given().contentType(ContentType.JSON).header(HeaderHygiene.PREFILLER, prefill.address())
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"Short is fine for the sidecar\",\"max_tokens\":3}")
                .post("/sidecar/v1/completions")
                .then().statusCode(200)
                .body("object", equalTo("text_completion"))
                .body("usage.completion_tokens", greaterThan(0));
        assertThat(prefill.seen()).hasSize(1);
        assertThat(prefill.seen().get(0).path()).isEqualTo("/v1/completions");
        assertThat(prefill.seen().get(0).json().getJsonObject("kv_transfer_params").getBoolean("do_remote_decode"))
                .isTrue();
        assertThat(decode.seen()).hasSize(1);
        assertThat(decode.seen().get(0).json().getJsonObject("kv_transfer_params").getBoolean("do_remote_prefill"))
                .isTrue();
    }

    @Test
    void sidecarWithoutPrefillerGoesStraightToTheLocalModelServer() {
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"Hello\",\"max_tokens\":3}")
                .post("/sidecar/v1/completions").then().statusCode(200);
        assertThat(prefill.seen()).isEmpty();
        assertThat(decode.seen()).hasSize(1);
        given().get("/sidecar/v1/models").then().statusCode(200).body("data[0].id", equalTo(MODEL));
    }

    @Test
    void sidecarRefusesAPrefillDestinationOutsideThePool() {
        given().contentType(ContentType.JSON).header(HeaderHygiene.PREFILLER, "10.255.0.1:8000")
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"Hello\",\"max_tokens\":3}")
                .post("/sidecar/v1/completions")
                .then().statusCode(403)
                .body("error.type", equalTo("PermissionDeniedError"))
                .body("error.code", equalTo(403));
        assertThat(prefill.seen()).isEmpty();
        assertThat(decode.seen()).isEmpty();
    }

    @Test
    void prefillFailureFallsBackToLocalDecode() {
        // the prefill pod (a pool member, so the SSRF guard allows it) answers 503: decode runs locally
        prefill.failNext(503);
        given().contentType(ContentType.JSON).header(HeaderHygiene.PREFILLER, prefill.address())
                .body("{\"model\":\"" + MODEL + "\",\"prompt\":\"Hello\",\"max_tokens\":3}")
                .post("/sidecar/v1/completions").then().statusCode(200);
        assertThat(decode.seen()).hasSize(1);
        assertThat(decode.seen().get(0).json().containsKey("kv_transfer_params")).isFalse();
    }

    @Test
    void prefill4xxIsReturnedAsIs() {
        // the prefill pod rejects an unknown model with 404: the client gets that answer, decode never runs
        given().contentType(ContentType.JSON).header(HeaderHygiene.PREFILLER, prefill.address())
                .body("{\"model\":\"unknown-model\",\"prompt\":\"Hello\",\"max_tokens\":3}")
                .post("/sidecar/v1/completions")
                .then().statusCode(404).body("error.message", org.hamcrest.Matchers.containsString("does not exist"));
        assertThat(prefill.seen()).hasSize(1);
        assertThat(decode.seen()).isEmpty();
    }
}
