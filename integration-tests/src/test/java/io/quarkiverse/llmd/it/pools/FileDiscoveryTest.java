package io.quarkiverse.llmd.it.pools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/** A pool fed by llm-d's file-discovery format follows the file, and keeps its endpoints through a bad edit. */
@QuarkusTest
@TestProfile(FileDiscoveryProfile.class)
class FileDiscoveryTest {

    @Inject
    Pools pools;

    private List<String> addresses() {
        Pool pool = pools.named("from-file");
        return pool.registry().endpoints().stream().map(Endpoint::address).toList();
    }

    private static void await(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.get() && System.nanoTime() < deadline) {
            Thread.sleep(25);
        }
    }

    @Test
    void thePoolFollowsItsFile() throws Exception {
        assertThat(addresses()).containsExactly("10.9.0.1:8000");
        RestAssured.given().get("/q/health/ready").then().statusCode(200);
        FileDiscoveryProfile.write("""
                endpoints:
                  - name: vllm-0
                    address: "10.9.0.1"
                    port: "8000"
                  - name: vllm-1
                    address: "10.9.0.2"
                    port: 8001
                """);
        await(() -> addresses().size() == 2);
        assertThat(addresses()).containsExactly("10.9.0.1:8000", "10.9.0.2:8001");

        FileDiscoveryProfile.write("endpoints:\n  - name: broken\n    port: 99999\n");
        Thread.sleep(500); // several polls: the bad file is read and refused
        assertThat(addresses()).containsExactly("10.9.0.1:8000", "10.9.0.2:8001");

        FileDiscoveryProfile.write("endpoints: []\n");
        await(() -> addresses().isEmpty());
        assertThat(addresses()).isEmpty();
        // a pool with no endpoint makes the gateway unready, naming the pool
        RestAssured.given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'llm-d pools' }.data.from-file", org.hamcrest.Matchers.equalTo(
                        "0 endpoint(s), 0 schedulable"));
    }
}
