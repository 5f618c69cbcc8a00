package io.quarkiverse.llmd.it.hardening;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.pool.EndpointHealth.State;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.it.proxy.MetricsScraperTest;
import io.quarkiverse.llmd.runtime.health.OutlierDetection;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkiverse.llmd.runtime.proxy.ProxyMetrics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A hung pod (accepts, never answers) stops getting requests once outlier detection ejects it, every request it
 * held is retried on another pod, and it comes back when its ejection is up; a pod whose /metrics fails is
 * unschedulable. Before this, the hung pod kept its share of requests, each waiting for the 10-minute read timeout.
 */
@QuarkusTest
@TestProfile(HungPodProfile.class)
class OutlierDetectionTest {

    @Inject
    Pools pools;

    @Inject
    MeterRegistry meters;

    @Inject
    ProxyMetrics proxyMetrics;

    private Pool pool() {
        return pools.all().get(0);
    }

    private State state(String endpoint) {
        return pool().pipeline().health().state(endpoint, System.nanoTime());
    }

    private double gauge(String name) {
        return meters.get(name).tag("name", pool().name()).gauge().value();
    }

    private static int counter = 0;

    /** One completion; the client always gets its answer from the healthy pod. */
    private static void completion() {
        Response r = given().contentType(ContentType.JSON)
                .body("{\"model\":\"sim-model\",\"prompt\":\"request " + (counter++) + "\",\"max_tokens\":2}")
                .post("/v1/completions");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        assertThat(r.header(HeaderHygiene.SERVED_HEADER)).isEqualTo(HungPodProfile.Fleet.healthyAddress);
    }

    @Test
    void aHungPodIsEjectedAndRetriedElsewhereAPodWithoutMetricsIsUnschedulable() {
        // the pod whose /metrics refuses connections drops out of scheduling and out of the ready gauge
        MetricsScraperTest.await("the pod without metrics is unschedulable",
                () -> state(HungPodProfile.NO_METRICS) == State.UNSCHEDULABLE
                        && gauge(OutlierDetection.UNSCHEDULABLE) == 1);
        assertThat(state(HungPodProfile.HUNG)).isEqualTo(State.HEALTHY);
        assertThat(gauge("llm_d_epp_ready_endpoints")).isEqualTo(2);

        // the random picker sends about half of the requests to the hung pod: each of those times out before the
        // first byte and is retried on the healthy pod, until two failures in a row eject the hung pod
        long retries = proxyMetrics.retries();
        for (int i = 0; i < 40 && state(HungPodProfile.HUNG) != State.EJECTED; i++) {
            completion();
        }
        assertThat(state(HungPodProfile.HUNG)).isEqualTo(State.EJECTED);
        int held = HungPodProfile.Fleet.HUNG_CONNECTIONS.get();
        assertThat(held).isGreaterThanOrEqualTo(2);
        assertThat(proxyMetrics.retries() - retries).isGreaterThanOrEqualTo(2);
        assertThat(gauge(OutlierDetection.EJECTED)).isEqualTo(1);
        assertThat(gauge("llm_d_epp_ready_endpoints")).isEqualTo(1);

        // ejected, it gets no new request: every one goes straight to the healthy pod
        long retriesBefore = proxyMetrics.retries();
        for (int i = 0; i < 10; i++) {
            completion();
        }
        assertThat(state(HungPodProfile.HUNG)).as("still within its 8 s ejection").isEqualTo(State.EJECTED);
        assertThat(HungPodProfile.Fleet.HUNG_CONNECTIONS.get()).isEqualTo(held);
        assertThat(proxyMetrics.retries()).isEqualTo(retriesBefore);

        // the ejection ends: the pod is back in the pool and gets requests again
        MetricsScraperTest.await("the ejection ends", () -> state(HungPodProfile.HUNG) == State.HEALTHY
                && gauge(OutlierDetection.EJECTED) == 0 && gauge("llm_d_epp_ready_endpoints") == 2);
        for (int i = 0; i < 40 && HungPodProfile.Fleet.HUNG_CONNECTIONS.get() == held; i++) {
            completion();
        }
        assertThat(HungPodProfile.Fleet.HUNG_CONNECTIONS.get()).isGreaterThan(held);
    }
}
