package io.quarkiverse.llmd.it.pd;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.it.proxy.RecordingFront;
import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The decode sidecar refuses a prefill destination on a pool pod's IP but another port: the prefill pod's own
 * server behind its recording front listens on the same IP as the pool member, on a port that is not a member.
 */
@QuarkusTest
@TestProfile(PdFleetProfile.class)
class PdSsrfTest {

    static final String BODY = "{\"model\":\"" + SimFleetResource.MODEL + "\",\"prompt\":\"Hello\",\"max_tokens\":3}";

    RecordingFront prefill;
    RecordingFront decode;

    @BeforeEach
    void clear() {
        prefill = SimFleetResource.front("prefill");
        decode = SimFleetResource.front("decode");
        prefill.clear();
        decode.clear();
    }

    @Test
    void sameIpAnotherPortIsRefused() {
        String member = SimFleetResource.address("prefill");
        String hidden = SimFleetResource.fleet("pd").addresses().get(1); // behind the front, not a member
        assertThat(hostOf(hidden)).isEqualTo(hostOf(member));
        assertThat(hidden).isNotEqualTo(member);

        given().contentType(ContentType.JSON).header(HeaderHygiene.PREFILLER, hidden).body(BODY)
                .post("/sidecar/v1/completions")
                .then().statusCode(403)
                .body("error.code", equalTo(403));
        assertThat(decode.seen()).isEmpty();
    }

    @Test
    void theMemberItselfIsAllowed() {
        given().contentType(ContentType.JSON).header(HeaderHygiene.PREFILLER, SimFleetResource.address("prefill"))
                .body(BODY).post("/sidecar/v1/completions")
                .then().statusCode(200);
        assertThat(prefill.seen()).hasSize(1);
        assertThat(decode.seen()).hasSize(1);
    }

    private static String hostOf(String address) {
        return address.substring(0, address.lastIndexOf(':'));
    }
}
