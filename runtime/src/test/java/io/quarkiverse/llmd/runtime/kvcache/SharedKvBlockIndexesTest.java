package io.quarkiverse.llmd.runtime.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEvent;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer.TokenProducer;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.vertx.core.Vertx;

/**
 * Two gateway replicas sharing one real {@code redis-server}, each built as the runtime builds a pool: the same
 * EndpointPickerConfig loaded with its own {@link SharedKvBlockIndexes} (as two processes would have), giving each a
 * scheduler whose {@code precise-prefix-cache-producer} reads its own {@link RedisKvBlockIndex}. KV events reach only
 * replica A (through its producer's ingestor, the path the KV-event subscriber uses); replica B learns them only
 * through Redis and must route the repeated prefix to the pod that holds it.
 */
class SharedKvBlockIndexesTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final long WAIT_NANOS = Duration.ofSeconds(20).toNanos();

    static String config(String redisConfig) {
        return """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: token-producer
                - type: precise-prefix-cache-producer
                  parameters:
                    tokenProcessorConfig:
                      blockSize: 16
                    indexerConfig:
                      kvBlockIndexConfig:
                """ + redisConfig.indent(8) + """
                - type: prefix-cache-scorer
                  parameters:
                    prefixMatchInfoProducerName: precise-prefix-cache-producer
                - type: queue-scorer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: prefix-cache-scorer
                    weight: 3
                  - pluginRef: queue-scorer
                    weight: 2
                  - pluginRef: max-score-picker
                """;
    }

    private Vertx vertx;
    private final List<SharedKvBlockIndexes> replicas = new ArrayList<>();

    @BeforeEach
    void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void close() {
        replicas.forEach(SharedKvBlockIndexes::close);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private SharedKvBlockIndexes replica(String url, SimpleMeterRegistry meters) {
        SharedKvBlockIndexes r = new SharedKvBlockIndexes(vertx, () -> RedisIndexSettings.defaults(url), meters);
        replicas.add(r);
        return r;
    }

    private static Scheduler gateway(SharedKvBlockIndexes replica, String pool, String yaml) {
        return new EndpointPickerConfigLoader(BuiltInPlugins.registry(),
                new EndpointPickerConfigLoader.Options(false, replica.forPool(pool))).load("epp.yaml", yaml)
                .scheduler();
    }

    private static PrecisePrefixCacheProducer producer(Scheduler scheduler) {
        return scheduler.pluginsOf(PrecisePrefixCacheProducer.class).get(0);
    }

    private static List<Endpoint> pods() {
        List<Endpoint> pods = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // pod 5 is the busiest: only the prefix match can make it the pick
            pods.add(new Endpoint("default/vllm-" + i, "10.0.0." + (i + 1) + ":8000", Map.of(),
                    EndpointMetrics.load(i == 5 ? 3 : 0, 0, 0.1, NOW)));
        }
        return pods;
    }

    private static InferenceRequest request(String prompt) {
        return new InferenceRequest("req-1", ApiType.COMPLETIONS, "llama", "llama", false, null, Map.of(), null,
                prompt.getBytes(StandardCharsets.UTF_8), false);
    }

    private static Endpoint pick(Scheduler scheduler, String prompt, List<Endpoint> pods) {
        var result = scheduler.schedule(new SchedulingContext(request(prompt), NOW, new SplittableRandom(42)), pods);
        assertThat(result.succeeded()).isTrue();
        return result.primary().primary();
    }

    /** Tells the producer's index, as the subscriber would, that the pod holds the prompt's full blocks. */
    private static void podStored(PrecisePrefixCacheProducer producer, Endpoint pod, String prompt) {
        int[] tokens = TokenProducer.estimate(prompt.getBytes(StandardCharsets.UTF_8));
        int blocks = tokens.length / 16;
        long[] hashes = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            hashes[i] = 7_000 + i;
        }
        producer.newIngestor().apply(pod.address(), "llama", new KvEvent.BlockStored(hashes, 0, false,
                java.util.Arrays.copyOf(tokens, blocks * 16), 16, null, "GPU", null, null, 0, "full_attention", null,
                null));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void replicaBRoutesARepeatedPrefixLearnedOnlyByReplicaA() throws Exception {
        SimpleMeterRegistry metersB = new SimpleMeterRegistry();
        String yaml = config("redisConfig:\n  address: " + REDIS.url().replace("redis://", "valkey://"));
        Scheduler a = gateway(replica("redis://127.0.0.1:1", new SimpleMeterRegistry()),
                "pool", yaml);
        SharedKvBlockIndexes replicaB = replica(REDIS.url(), metersB);
        Scheduler b = gateway(replicaB, "pool", yaml);
        RedisKvBlockIndex indexA = (RedisKvBlockIndex) producer(a).index();
        RedisKvBlockIndex indexB = (RedisKvBlockIndex) producer(b).index();
        assertThat(indexA.streamKey()).isEqualTo(indexB.streamKey()).contains("{pool/precise-prefix-cache-producer}");
        await("both replicas connected", () -> indexA.stats().connected() && indexB.stats().connected());

        List<Endpoint> pods = pods();
        String prompt = "You are a helpful assistant. ".repeat(40) + "What is a KV cache?";
        assertThat(pick(b, prompt, pods)).as("nothing learned yet: the least busy pod").isNotEqualTo(pods.get(5));

        podStored(producer(a), pods.get(5), prompt);
        assertThat(pick(a, prompt, pods)).isEqualTo(pods.get(5));
        await("B's mirror holds the prefix", () -> indexB.blockCount() == indexA.blockCount());

        for (int i = 0; i < 3; i++) {
            assertThat(pick(b, prompt + " turn " + i, pods)).as("B, request %d", i).isEqualTo(pods.get(5));
        }
        assertThat(indexB.stats().appliedRemoteOps()).isPositive();
        assertThat(indexB.stats().localOps()).isZero();
        assertThat(metersB.find(SharedKvBlockIndexes.METRIC_PREFIX + "applied_remote_changes").tag("pool", "pool")
                .functionCounter().count()).isPositive();
        assertThat(metersB.find(SharedKvBlockIndexes.METRIC_PREFIX + "connected").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void anotherPoolNeverSharesKeys() throws Exception {
        String yaml = config("redisConfig: {}");
        SharedKvBlockIndexes r = replica(REDIS.url(), null);
        Scheduler p = gateway(r, "p", yaml);
        Scheduler q = gateway(r, "q", yaml);
        RedisKvBlockIndex indexP = (RedisKvBlockIndex) producer(p).index();
        RedisKvBlockIndex indexQ = (RedisKvBlockIndex) producer(q).index();
        assertThat(indexP.streamKey()).isNotEqualTo(indexQ.streamKey());
        await("both connected", () -> indexP.stats().connected() && indexQ.stats().connected());
        podStored(producer(p), pods().get(1), "shared prefix ".repeat(30));
        await("p published", () -> indexP.stats().publishedOps() > 0);
        // q follows its own stream: a change on p's stream must never be applied, however long we look
        SharedKvBlockIndexes other = replica(REDIS.url(), null);
        RedisKvBlockIndex lateP = (RedisKvBlockIndex) producer(gateway(other, "p", yaml)).index();
        await("a late replica of p catches up", () -> lateP.blockCount() == indexP.blockCount());
        assertThat(indexQ.blockCount()).isZero();
        assertThat(indexQ.stats().appliedRemoteOps()).isZero();
    }

    @Test
    void inMemoryConfigurationsGetAnInMemoryIndexAndNoConnection() {
        SharedKvBlockIndexes r = replica("redis://127.0.0.1:1", null);
        Scheduler s = gateway(r, "p", config("enableMetrics: true"));
        assertThat(producer(s).index()).isInstanceOf(InMemoryKvBlockIndex.class);
        assertThat(r.indexes()).isEmpty();
    }

    @Test
    void aBadAddressNamesTheFileLineAndField() {
        SharedKvBlockIndexes r = replica(REDIS.url(), null);
        assertThatThrownBy(() -> gateway(r, "p", config("redisConfig:\n  address: http://cache:6379")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("epp.yaml:12: plugins[1].parameters.indexerConfig.kvBlockIndexConfig"
                        + ".redisConfig.address: ")
                .hasMessageContaining("must start with redis://");
        assertThat(r.indexes()).isEmpty();
    }

    @Test
    void badRedisPropertiesAreAConfigError() {
        SharedKvBlockIndexes r = new SharedKvBlockIndexes(vertx,
                () -> RedisIndexSettings.defaults("redis://h:1").withOutbox(0, 1), null);
        assertThatThrownBy(() -> gateway(r, "p", config("redisConfig: {}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("quarkus.llmd.redis.outbox-capacity");
    }

    @Test
    void closingStopsEverySharedIndex() throws Exception {
        SharedKvBlockIndexes r = replica(REDIS.url(), null);
        RedisKvBlockIndex index = (RedisKvBlockIndex) producer(gateway(r, "p", config("redisConfig: {}"))).index();
        await("connected", () -> index.stats().connected());
        r.close();
        assertThat(r.indexes()).isEmpty();
        // the stream may hold earlier tests' changes of pool p, applied before the close
        long appliedAtClose = index.stats().appliedRemoteOps();
        podStored(producer(gateway(replica(REDIS.url(), null), "p", config("redisConfig: {}"))), pods().get(0),
                "after close ".repeat(30));
        Thread.sleep(200);
        assertThat(index.stats().appliedRemoteOps()).as("a closed index follows no stream")
                .isEqualTo(appliedAtClose);
    }
    @Test
    void aRetiredIndexStopsSharingAndTakesItsSeriesWithIt() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SharedKvBlockIndexes r = replica(REDIS.url(), meters);
        RedisKvBlockIndex old = (RedisKvBlockIndex) producer(gateway(r, "p", config("redisConfig: {}"))).index();
        await("connected", () -> old.stats().connected());
        // the pool is reconfigured: its new index is built before the old one is retired
        RedisKvBlockIndex current = (RedisKvBlockIndex) producer(gateway(r, "p", config("redisConfig: {}"))).index();
        r.retire(old);
        r.retire(old); // idempotent
        r.retire(new InMemoryKvBlockIndex(InMemoryKvBlockIndex.Config.DEFAULTS)); // not ours: ignored
        assertThat(r.indexes()).containsExactly(current);
        await("the current index connected", () -> current.stats().connected());
        assertThat(meters.find(SharedKvBlockIndexes.METRIC_PREFIX + "connected").gauges()).hasSize(1);
        assertThat(meters.find(SharedKvBlockIndexes.METRIC_PREFIX + "connected").gauge().value()).isEqualTo(1.0);

        long appliedAtRetire = old.stats().appliedRemoteOps();
        podStored(producer(gateway(replica(REDIS.url(), null), "p", config("redisConfig: {}"))), pods().get(0),
                "after retire ".repeat(30));
        await("the current index follows the stream", () -> current.stats().appliedRemoteOps() > 0);
        assertThat(old.stats().appliedRemoteOps()).as("a retired index follows no stream").isEqualTo(appliedAtRetire);

        r.retire(current);
        assertThat(r.indexes()).isEmpty();
        assertThat(meters.find(SharedKvBlockIndexes.METRIC_PREFIX + "connected").gauges()).isEmpty();
    }

    @Test
    void theDocumentedConfigurationLoadsAndShares() throws Exception {
        String page = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/modules/ROOT/pages/precise-prefix.adoc"));
        int section = page.indexOf("=== Configuration", page.indexOf("[[shared-index]]"));
        int from = page.indexOf("----\n", page.indexOf("[source,yaml]", section)) + 5;
        String yaml = page.substring(from, page.indexOf("----\n", from))
                .replace("redis://redis.llm-d.svc:6379", REDIS.url());
        assertThat(yaml).contains(REDIS.url());
        Scheduler s = gateway(replica("redis://127.0.0.1:1", null), "docs", yaml);
        RedisKvBlockIndex index = (RedisKvBlockIndex) producer(s).index();
        assertThat(index.streamKey()).isEqualTo("llmd:kv:{docs/precise-prefix-cache-producer}:ops");
        await("connected to the documented address", () -> index.stats().connected());
    }
}
