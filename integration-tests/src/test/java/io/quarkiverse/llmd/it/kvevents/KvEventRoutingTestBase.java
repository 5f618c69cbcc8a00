package io.quarkiverse.llmd.it.kvevents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.kvevents.KvEventStats;
import io.quarkiverse.llmd.runtime.kvevents.KvEventSubscribers;
import io.quarkiverse.llmd.runtime.proxy.HeaderHygiene;
import io.quarkiverse.llmd.simulator.kvevents.KvEvent;
import io.restassured.http.ContentType;

/**
 * End to end over real ZMQ sockets: simulated pods publish KV events, the gateway's subscriber feeds the precise
 * prefix-cache index, and the scheduler routes by it. The mode (centralized or per pod) comes from the subclass's
 * profile.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class KvEventRoutingTestBase {

    static final String MODEL = KvEventsFleetResource.MODEL;
    static final int BLOCK = 64;
    static final long WAIT_MS = 20_000;

    @Inject
    KvEventSubscribers subscribers;

    @Inject
    EndpointRegistry registry;

    KvEventSubscribers.Subscription subscription() {
        assertThat(subscribers.subscriptions()).hasSize(1);
        return subscribers.subscriptions().values().iterator().next();
    }

    static String address(String pod) {
        return KvEventsFleetResource.fleet(pod).addresses().get(0);
    }

    /** A prompt of {@code blocks} full blocks of token ids, distinct per seed. */
    static int[] prompt(long seed, int blocks) {
        Random r = new Random(seed);
        int[] t = new int[blocks * BLOCK];
        for (int i = 0; i < t.length; i++) {
            t[i] = 100 + r.nextInt(4000);
        }
        return t;
    }

    static String json(int[] tokens, int maxTokens) {
        return "{\"model\":\"" + MODEL + "\",\"prompt\":" + Arrays.toString(tokens).replace(" ", "")
                + ",\"max_tokens\":" + maxTokens + "}";
    }

    /** Sends a completion straight to a pod (not through the gateway), so that it caches the prompt. */
    static void warm(String pod, int[] tokens) {
        given().baseUri("http://" + address(pod)).contentType(ContentType.JSON).body(json(tokens, 1))
                .post("/v1/completions").then().statusCode(200);
    }

    /** Sends a completion through the gateway and returns the pod that served it. */
    static String route(int[] tokens) {
        return given().contentType(ContentType.JSON).body(json(tokens, 1)).post("/v1/completions").then()
                .statusCode(200).extract().header(HeaderHygiene.SERVED_HEADER);
    }

    /** Blocks of {@code tokens} the index holds for a pod (by its address, as the topic names it). */
    int indexedBlocks(String pod, int[] tokens) {
        BlockKeyHasher hasher = subscription().consumer().newHasher();
        long[] keys = hasher.requestKeys(MODEL, tokens, tokens.length, null);
        return subscription().consumer().index().longestPrefix(keys, keys.length).blocks(address(pod));
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static long linkSeed = 1_000;

    /**
     * Makes sure the pod's events reach the index: ZMQ drops what a PUB sends before the link is up (the late
     * joiner), and the simulator, like vLLM, announces a prompt only once, so a throwaway one-block prompt is sent
     * until one shows up in the index.
     */
    void ensureLinked(String pod) {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        while (true) {
            int[] probe = prompt(linkSeed++, 1);
            warm(pod, probe);
            long until = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < until) {
                if (indexedBlocks(pod, probe) == 1) {
                    return;
                }
                sleep(20);
            }
            assertThat(System.nanoTime()).as("pod %s linked within %d ms", pod, WAIT_MS).isLessThan(deadline);
        }
    }

    /** Warms a pod with a prompt and waits until the index shows the pod holding all of it. */
    void warmUntilIndexed(String pod, int[] tokens) {
        ensureLinked(pod);
        warm(pod, tokens);
        await("pod " + pod + " holds the prompt", () -> indexedBlocks(pod, tokens) == tokens.length / BLOCK);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int[] withSuffix(int[] prefix, long seed) {
        int[] suffix = prompt(seed, 1);
        int[] all = Arrays.copyOf(prefix, prefix.length + 20);
        System.arraycopy(suffix, 0, all, prefix.length, 20);
        return all;
    }

    @Test
    @Order(1)
    void aRepeatedLongPrefixGoesToThePodThatHoldsIt() {
        int[] onA = prompt(1, 8);
        int[] onB = prompt(2, 8);
        warmUntilIndexed("a", onA);
        warmUntilIndexed("b", onB);
        assertThat(indexedBlocks("b", onA)).isZero();
        assertThat(indexedBlocks("a", onB)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(route(withSuffix(onA, 100 + i))).as("request %d with a's prefix", i).isEqualTo(address("a"));
            assertThat(route(withSuffix(onB, 200 + i))).as("request %d with b's prefix", i).isEqualTo(address("b"));
        }
        KvEventStats stats = subscription().stats();
        assertThat(stats.events()).isPositive();
        assertThat(stats.malformed()).isZero();
        assertThat(stats.unknownPod()).isZero();
    }

    @Test
    @Order(2)
    void aPodThatClearsItsCacheLosesItsEntries() {
        int[] tokens = prompt(3, 4);
        warmUntilIndexed("a", tokens);
        KvEventsFleetResource.publisher("a").publish(System.currentTimeMillis() / 1000.0,
                List.of(new KvEvent.AllBlocksCleared()));
        await("pod a's entries are cleared", () -> indexedBlocks("a", tokens) == 0);
    }

    @Test
    @Order(3)
    void aSequenceGapIsReplayed() {
        KvEventStats before = subscription().stats();
        int[] skipped = prompt(4, 4);
        int[] next = prompt(5, 2);
        // the batch announcing `skipped` is buffered for replay but never sent live
        ensureLinked("b");
        KvEventsFleetResource.publisher("b").skipLive(1);
        warm("b", skipped);
        sleep(200);
        assertThat(indexedBlocks("b", skipped)).as("a batch that was not sent is not indexed yet").isZero();
        warm("b", next); // its batch reveals the gap
        await("the skipped batch is replayed", () -> indexedBlocks("b", skipped) == 4);
        await("the next batch is applied", () -> indexedBlocks("b", next) == 2);
        KvEventStats after = subscription().stats();
        assertThat(after.gaps()).isGreaterThan(before.gaps());
        assertThat(after.replayed()).isGreaterThan(before.replayed());
        assertThat(after.lost()).isEqualTo(before.lost());
    }

    @Test
    @Order(4)
    void metricsAreExportedWithThePoolLabelOnly() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("llm_d_epp_kv_events_received_total{pool=")
                .contains("llm_d_epp_kv_events_sequence_gaps_total{pool=")
                .contains("llm_d_epp_kv_events_replayed_batches_total{pool=")
                .contains("llm_d_epp_kv_events_dropped_batches_total{pool=")
                .contains("llm_d_epp_kv_events_ingestion_lag_seconds_count{pool=")
                .contains("llm_d_epp_kv_cache_index_blocks{pool=");
        for (String line : metrics.split("\n")) {
            if (line.startsWith("llm_d_epp_kv_")) {
                assertThat(line).doesNotContain("127.0.0.");
            }
        }
    }

    @Test
    @Order(5)
    void aPodThatLeavesThePoolLosesItsEntries() {
        int[] tokens = prompt(6, 4);
        warmUntilIndexed("b", tokens);
        List<Endpoint> all = registry.endpoints();
        List<Endpoint> withoutB = new ArrayList<>();
        for (Endpoint e : all) {
            if (!e.address().equals(address("b"))) {
                withoutB.add(e);
            }
        }
        assertThat(withoutB).hasSize(all.size() - 1);
        registry.replaceAll(withoutB);
        try {
            await("pod b's entries are purged", () -> indexedBlocks("b", tokens) == 0);
            await("pod b is no longer tracked", () -> subscription().stats().publishers() == withoutB.size());
        } finally {
            registry.replaceAll(all);
        }
        // back in the pool, its new batches are indexed again
        warmUntilIndexed("b", prompt(7, 2));
    }
}
