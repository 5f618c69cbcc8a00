package io.quarkiverse.llmd.it.extproc;

import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.metadataDestination;
import static io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.requestHeaders;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.quarkiverse.llmd.engine.pipeline.RequestObserver;
import io.quarkiverse.llmd.engine.pipeline.RequestRecord;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.it.extproc.EnvoyExtProcClient.Exchange;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Several pools in one gateway, routed by model through the proxy and through ext_proc. */
@QuarkusTest
@TestProfile(TwoPoolsProfile.class)
class TwoPoolsTest {

    static EnvoyExtProcClient client;

    @Inject
    Pools pools;

    @BeforeAll
    static void connect() {
        client = EnvoyExtProcClient.plaintext();
    }

    @AfterAll
    static void disconnect() throws Exception {
        client.close();
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"which pool am I in?\"}],"
                + "\"max_tokens\":4}";
    }

    private static String addressOf(String endpoint) {
        return TwoPoolsProfile.Fleets.ADDRESSES.get(endpoint);
    }

    @Test
    void theProxyRoutesEachModelToItsPool() {
        for (int i = 0; i < 4; i++) {
            given().contentType(ContentType.JSON).body(chat("model-a")).post("/v1/chat/completions")
                    .then().statusCode(200).header(HeaderHygiene.SERVED_HEADER, addressOf("pa/a-0"));
            String servedB = given().contentType(ContentType.JSON).body(chat("model-b"))
                    .post("/v1/chat/completions").then().statusCode(200).extract()
                    .header(HeaderHygiene.SERVED_HEADER);
            assertThat(servedB).isIn(addressOf("pb/b-0"), addressOf("pb/b-1"));
        }
    }

    @Test
    void anUnknownModelIsAnOpenAi404NamingTheServedModels() {
        given().contentType(ContentType.JSON).body(chat("no-such-model")).post("/v1/chat/completions")
                .then().statusCode(404).body("error.type", org.hamcrest.Matchers.equalTo("NotFoundError"))
                .body("error.message", containsString("no-such-model"))
                .body("error.message", containsString("model-a"))
                .body("error.message", containsString("model-b"));
    }

    @Test
    void modelsListsEveryPoolsModels() {
        given().get("/v1/models").then().statusCode(200)
                .body("data.id", hasItems("model-a", "model-b", "model-c", "unused-default-model"));
    }

    @Test
    void aRetryNeverReturnsToTheFailedPodWhenPodsShareAnIp() throws InterruptedException {
        List<RequestRecord> records = new CopyOnWriteArrayList<>();
        Runnable stop = pools.named("pc").pipeline().observeRequests(records::add);
        try {
            for (int i = 0; i < 6; i++) {
                given().contentType(ContentType.JSON).body(chat("model-c")).post("/v1/chat/completions")
                        .then().statusCode(200).header(HeaderHygiene.SERVED_HEADER, addressOf("pc/ok"));
            }
            // the last completion may run just after its response reached the client
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (records.size() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            stop.run();
        }
        // every request completed once, on the healthy pod, some after a retry away from the dead one
        assertThat(records).hasSize(6).allSatisfy(r -> {
            assertThat(r.endpoint()).isEqualTo("pc/ok");
            assertThat(r.success()).isTrue();
        });
    }

    private static ProcessingResponse extProc(Map<String, String> headers, byte[] body) throws Exception {
        try (Exchange ex = client.open()) {
            ex.requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED, headers, body == null, null);
            if (body != null) {
                ex.requestBody(body, true);
            }
            return ex.next();
        }
    }

    @Test
    void extProcRoutesByModelAndByThePoolHeader() throws Exception {
        Set<String> b = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            ProcessingResponse toA = extProc(requestHeaders("/v1/chat/completions"),
                    chat("model-a").getBytes(StandardCharsets.UTF_8));
            assertThat(metadataDestination(toA)).isEqualTo(addressOf("pa/a-0"));
            ProcessingResponse toB = extProc(requestHeaders("/v1/chat/completions"),
                    chat("model-b").getBytes(StandardCharsets.UTF_8));
            b.add(metadataDestination(toB));
        }
        assertThat(b).isSubsetOf(addressOf("pb/b-0"), addressOf("pb/b-1"));
        // the route names the pool: a header-only request is scheduled there, counted and completed
        List<RequestRecord> records = new CopyOnWriteArrayList<>();
        RequestObserver observer = records::add;
        Runnable stop = pools.named("pa").pipeline().observeRequests(observer);
        try {
            ProcessingResponse headerOnly = extProc(requestHeaders("/v1/completions", "x-llm-d-pool", "pa"), null);
            assertThat(metadataDestination(headerOnly)).isEqualTo(addressOf("pa/a-0"));
        } finally {
            // the stream closed without a response phase: the pipeline completed the request as failed
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (records.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            stop.run();
        }
        assertThat(records).singleElement().satisfies(r -> assertThat(r.pool()).isEqualTo("pa"));
    }
}
