package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheParameters;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixMatchInfo;
import io.quarkiverse.llmd.engine.prefix.PrefixHasher;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class ApproxPrefixCacheProducerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ApproxPrefixCacheProducer producer(String json) throws Exception {
        return (ApproxPrefixCacheProducer) ApproxPrefixCacheProducer.FACTORY.create("p", JSON.readTree(json),
                PluginHandle.NONE);
    }

    static Endpoint endpoint(String name, int blockSize, long numBlocks) {
        return Fixtures.endpoint(name, 0, 0.0).withMetrics(new EndpointMetrics(0, 0, 0.0, Set.of(), Set.of(), 0,
                blockSize, numBlocks, Fixtures.NOW));
    }

    static SchedulingResult result(Endpoint primary) {
        return new SchedulingResult("default", Map.of("default", run(primary)));
    }

    static ProfileRunResult run(Endpoint target) {
        return new ProfileRunResult(List.of(new ScoredEndpoint(target, 1.0)));
    }

    static ApproxPrefixMatchInfo produce(ApproxPrefixCacheProducer producer, SchedulingContext context,
            List<Endpoint> candidates) {
        producer.produce(context, candidates);
        return (ApproxPrefixMatchInfo) context.get(DataKeys.PREFIX_CACHE_MATCH);
    }

    @Test
    void defaultsAreLlmdCodeDefaults() throws Exception {
        var config = producer("{}").config();
        assertThat(config).isEqualTo(ApproxPrefixCacheParameters.Resolved.DEFAULTS);
        assertThat(config.autoTune()).isTrue();
        assertThat(config.blockSizeTokens()).isEqualTo(16);
        assertThat(config.maxPrefixBlocksToMatch()).isEqualTo(256);
        assertThat(config.maxPrefixTokensToMatch()).isZero();
        assertThat(config.lruCapacityPerServer()).isEqualTo(31_250);
        assertThat(producer("null").config()).isEqualTo(config);
    }

    @Test
    void producesMatchAndRecordsPrimaryTargetOnPreRequest() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        List<Endpoint> candidates = List.of(Fixtures.endpoint("a", 0, 0), Fixtures.endpoint("b", 0, 0));
        String prompt = "p".repeat(64 * 10);
        SchedulingContext first = Fixtures.context(Fixtures.request("m", prompt));
        ApproxPrefixMatchInfo info = produce(producer, first, candidates);
        assertThat(info.totalBlocks()).isEqualTo(10);
        assertThat(info.blockSizeTokens()).isEqualTo(16);
        assertThat(info.matchBlocks(candidates.get(0))).isZero();
        assertThat(info.anyMatch(candidates)).isFalse();

        producer.preRequest(first, result(candidates.get(1)));

        ApproxPrefixMatchInfo second = produce(producer, Fixtures.context(Fixtures.request("m", prompt)), candidates);
        assertThat(second.matchBlocks(candidates.get(1))).isEqualTo(10);
        assertThat(second.matchBlocks(candidates.get(0))).isZero();
        // a prompt sharing the first half
        ApproxPrefixMatchInfo half = produce(producer, Fixtures.context(Fixtures.request("m",
                "p".repeat(64 * 5) + "q".repeat(64 * 5))), candidates);
        assertThat(half.matchBlocks(candidates.get(1))).isEqualTo(5);
        // another model shares nothing
        assertThat(produce(producer, Fixtures.context(Fixtures.request("m2", prompt)), candidates)
                .matchBlocks(candidates.get(1))).isZero();
    }

    @Test
    void shortRequestFormsNoBlockAndUpdatesNothing() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        Endpoint a = Fixtures.endpoint("a", 0, 0);
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "hello"));
        ApproxPrefixMatchInfo info = produce(producer, context, List.of(a));
        assertThat(info.totalBlocks()).isZero();
        producer.preRequest(context, result(a));
        assertThat(producer.index().size()).isZero();
    }

    @Test
    void prefillProfileTargetIsRecordedToo() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        Endpoint decode = Fixtures.endpoint("decode-1", 0, 0);
        Endpoint prefill = Fixtures.endpoint("prefill-1", 0, 0);
        Endpoint other = Fixtures.endpoint("other-1", 0, 0);
        String prompt = "z".repeat(64 * 4);
        SchedulingContext context = Fixtures.context(Fixtures.request("m", prompt));
        produce(producer, context, List.of(decode, prefill, other));
        Map<String, ProfileRunResult> runs = new LinkedHashMap<>();
        runs.put("decode", run(decode));
        runs.put("prefill", run(prefill));
        runs.put("encode", run(other)); // only a profile literally named "prefill" counts
        producer.preRequest(context, new SchedulingResult("decode", runs));

        ApproxPrefixMatchInfo again = produce(producer, Fixtures.context(Fixtures.request("m", prompt)),
                List.of(decode, prefill, other));
        assertThat(again.matchBlocks(decode)).isEqualTo(4);
        assertThat(again.matchBlocks(prefill)).isEqualTo(4);
        assertThat(again.matchBlocks(other)).isZero();

        // failed scheduling records nothing
        SchedulingContext failedContext = Fixtures.context(Fixtures.request("m", "y".repeat(200)));
        produce(producer, failedContext, List.of(other));
        producer.preRequest(failedContext, SchedulingResult.failed(Map.of()));
        assertThat(producer.index().endpoints()).containsExactly("default/decode-1", "default/prefill-1");
    }

    @Test
    void preRequestWithoutProduceHashesOnItsOwn() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        Endpoint a = Fixtures.endpoint("a", 0, 0);
        InferenceRequest request = Fixtures.request("m", "w".repeat(300));
        producer.preRequest(Fixtures.context(request), result(a));
        assertThat(produce(producer, Fixtures.context(request), List.of(a)).matchBlocks(a)).isEqualTo(5);
    }

    @Test
    void autoTuneTakesBlockSizeFromFirstCandidateAndCapacityFromBlockCount() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        Endpoint tuned = endpoint("tuned", 32, 3);
        Endpoint plain = Fixtures.endpoint("plain", 0, 0);
        String prompt = "t".repeat(128 * 5); // 5 blocks of 32 tokens (128 chars)
        SchedulingContext context = Fixtures.context(Fixtures.request("m", prompt));
        ApproxPrefixMatchInfo info = produce(producer, context, List.of(tuned, plain));
        assertThat(info.blockSizeTokens()).isEqualTo(32);
        assertThat(info.totalBlocks()).isEqualTo(5);
        assertThat(produce(producer, Fixtures.context(Fixtures.request("m", prompt)), List.of(plain, tuned))
                .blockSizeTokens()).isEqualTo(16);

        producer.preRequest(context, result(tuned));
        // capacity 3 = cacheNumBlocks: the first 3 blocks stay
        assertThat(producer.index().blocksPerEndpoint()).containsEntry(tuned.name(), 3);
        assertThat(produce(producer, Fixtures.context(Fixtures.request("m", prompt)), List.of(tuned))
                .matchBlocks(tuned)).isEqualTo(3);
    }

    @Test
    void withoutAutoTuneConfiguredValuesApplyAndLruCapacityIsHonoured() throws Exception {
        ApproxPrefixCacheProducer producer = producer("""
                {"autoTune": false, "blockSizeTokens": 8, "lruCapacityPerServer": 2}""");
        Endpoint tuned = endpoint("tuned", 32, 1000);
        String prompt = "u".repeat(32 * 6);
        SchedulingContext context = Fixtures.context(Fixtures.request("m", prompt));
        ApproxPrefixMatchInfo info = produce(producer, context, List.of(tuned));
        assertThat(info.blockSizeTokens()).isEqualTo(8);
        assertThat(info.totalBlocks()).isEqualTo(6);
        producer.preRequest(context, result(tuned));
        assertThat(producer.index().blocksPerEndpoint()).containsEntry(tuned.name(), 2);

        // autoTune on but metric unknown: lruCapacityPerServer again (llm-d would use 31,250)
        ApproxPrefixCacheProducer unknown = producer("{\"lruCapacityPerServer\": 4}");
        Endpoint plain = Fixtures.endpoint("plain", 0, 0);
        SchedulingContext c2 = Fixtures.context(Fixtures.request("m", prompt));
        produce(unknown, c2, List.of(plain));
        unknown.preRequest(c2, result(plain));
        assertThat(unknown.index().blocksPerEndpoint()).containsEntry(plain.name(), 3); // 192 chars / 64 = 3 blocks
    }

    @Test
    void truncationToMaxBlocksAndMaxTokens() throws Exception {
        String prompt = "v".repeat(64 * 20);
        Endpoint a = Fixtures.endpoint("a", 0, 0);
        assertThat(produce(producer("{\"maxPrefixBlocksToMatch\": 7}"), Fixtures.context(Fixtures.request("m",
                prompt)), List.of(a)).totalBlocks()).isEqualTo(7);
        // tokens win: 100 tokens / 16 = 6 blocks
        assertThat(produce(producer("{\"maxPrefixBlocksToMatch\": 7, \"maxPrefixTokensToMatch\": 100}"),
                Fixtures.context(Fixtures.request("m", prompt)), List.of(a)).totalBlocks()).isEqualTo(6);
        // a token cap below one block hashes nothing
        assertThat(produce(producer("{\"maxPrefixTokensToMatch\": 10}"), Fixtures.context(Fixtures.request("m",
                prompt)), List.of(a)).totalBlocks()).isZero();
        // 0 blocks = no cap
        String longPrompt = "v".repeat(64 * 300);
        assertThat(produce(producer("{\"maxPrefixBlocksToMatch\": 0}"), Fixtures.context(Fixtures.request("m",
                longPrompt)), List.of(a)).totalBlocks()).isEqualTo(300);
        assertThat(produce(producer("{}"), Fixtures.context(Fixtures.request("m", longPrompt)), List.of(a))
                .totalBlocks()).isEqualTo(PrefixHasher.DEFAULT_MAX_BLOCKS);
    }

    @Test
    void hashesAreTheReferenceChain() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        Endpoint a = Fixtures.endpoint("a", 0, 0);
        String prompt = "The quick brown fox jumps over the lazy dog. ".repeat(10);
        SchedulingContext context = Fixtures.context(Fixtures.request("model-x", prompt));
        produce(producer, context, List.of(a));
        producer.preRequest(context, result(a));
        long[] expected = io.quarkiverse.llmd.engine.prefix.PrefixHasherTestAccess.reference("model-x", null,
                prompt.getBytes(StandardCharsets.UTF_8), 16, 256);
        for (long h : expected) {
            assertThat(producer.index().holds(a.name(), h)).isTrue();
        }
    }

    @Test
    void retainEndpointsPurgesDepartedEndpoints() throws Exception {
        ApproxPrefixCacheProducer producer = producer("{}");
        Endpoint a = Fixtures.endpoint("a", 0, 0);
        Endpoint b = Fixtures.endpoint("b", 0, 0);
        String prompt = "k".repeat(640);
        for (Endpoint e : List.of(a, b)) {
            SchedulingContext c = Fixtures.context(Fixtures.request("m", prompt));
            produce(producer, c, List.of(a, b));
            producer.preRequest(c, result(e));
        }
        producer.retainEndpoints(Set.of(b.name()));
        ApproxPrefixMatchInfo info = produce(producer, Fixtures.context(Fixtures.request("m", prompt)),
                List.of(a, b));
        assertThat(info.matchBlocks(a)).isZero();
        assertThat(info.matchBlocks(b)).isEqualTo(10);
        producer.removeEndpoint(b.name());
        assertThat(producer.index().size()).isZero();
    }

    @Test
    void parameterErrorsNameTheField() {
        assertThatThrownBy(() -> producer("{\"blockSize\": 64}")).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("blockSize (characters) is deprecated")
                .extracting(e -> ((PluginConfigException) e).field()).isEqualTo("blockSize");
        assertThatThrownBy(() -> producer("{\"autoTune\": false, \"blockSizeTokens\": 0}"))
                .isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("blockSizeTokens must be > 0 when autoTune is false");
        assertThatThrownBy(() -> producer("{\"lruCapacityPerServer\": 0}")).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("lruCapacityPerServer must be > 0");
        assertThatThrownBy(() -> producer("{\"maxPrefixBlocksToMatch\": -1}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("maxPrefixBlocksToMatch");
        assertThatThrownBy(() -> producer("{\"maxPrefixTokensToMatch\": -1}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("maxPrefixTokensToMatch");
        assertThatThrownBy(() -> producer("{\"blockSizeTokens\": -4}")).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("blockSizeTokens must be >= 0");
        assertThatThrownBy(() -> producer("{\"blockSizeTokens\": \"16\"}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("blockSizeTokens");
        assertThatThrownBy(() -> producer("{\"hashBlockSize\": 64}")).isInstanceOf(PluginConfigException.class)
                .hasMessageContaining("unknown parameter 'hashBlockSize'");
    }

    @Test
    void deprecatedBlockSizeIsIgnoredNextToBlockSizeTokensAndZeroTokensFallBackWithAutoTune() throws Exception {
        assertThat(producer("{\"blockSize\": 64, \"blockSizeTokens\": 32}").config().blockSizeTokens())
                .isEqualTo(32);
        ApproxPrefixCacheProducer zero = producer("{\"blockSizeTokens\": 0}");
        PrefixCacheMatchInfo info = produce(zero, Fixtures.context(Fixtures.request("m", "x".repeat(200))),
                List.of(Fixtures.endpoint("a", 0, 0)));
        assertThat(info.blockSizeTokens()).isEqualTo(16);
        assertThat(produce(zero, Fixtures.context(Fixtures.request("m", "x".repeat(200))),
                List.of(endpoint("b", 8, 0))).blockSizeTokens()).isEqualTo(8);
    }
}
