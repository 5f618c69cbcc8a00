package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.PromptInput;
import io.quarkiverse.llmd.engine.request.RequestBody;
import io.quarkiverse.llmd.engine.testing.Fixtures;
import io.vertx.core.Vertx;

class RuntimeTokenProducerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static RuntimeTokenProducer create(String json) throws Exception {
        return (RuntimeTokenProducer) RuntimeTokenProducer.FACTORY.create("tp", JSON.readTree(json),
                PluginHandle.NONE);
    }

    private static String hf(String extra) {
        return "{\"modelName\": \"m\", \"hfTokenizerFile\": {\"path\": \""
                + HfTokenizerFileTest.testTokenizer().toString().replace("\\", "\\\\") + "\"" + extra + "}}";
    }

    @Test
    void producesRealTokenIdsWithTheFilesBosToken() throws Exception {
        RuntimeTokenProducer producer = create(hf(""));
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "Hello world! The quick brown fox."));

        producer.produce(context, List.of());

        TokenizedPrompt prompt = context.get(TokenizedPrompt.KEY);
        assertThat(prompt.estimated()).isFalse();
        // <s>=1 hello=2 world=3 !=50 the=4 quick=5 brown=6 fox=7 .=49
        assertThat(prompt.tokenIds()).containsExactly(1, 2, 3, 50, 4, 5, 6, 7, 49);
    }

    @Test
    void onAnEventLoopTheTokenizerRunsOnAWorkerAndTheStageCompletesBackOnTheLoop() throws Exception {
        // one worker, held busy until the stage has been looked at: otherwise a short prompt can be tokenized
        // before the event loop even asks for the stage, which then completes at once (on the loop, but too soon)
        Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setWorkerPoolSize(1));
        java.util.concurrent.CountDownLatch workerBusy = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        vertx.executeBlocking(() -> {
            workerBusy.countDown();
            return release.await(10, TimeUnit.SECONDS);
        }, false);
        try {
            assertThat(workerBusy.await(10, TimeUnit.SECONDS)).isTrue();
            RuntimeTokenProducer producer = (RuntimeTokenProducer) RuntimeTokenProducer
                    .factory(new RenderTransport(vertx, null)).create("tp", JSON.readTree(hf("")), PluginHandle.NONE);
            assertThat(producer.needsPreparation()).isTrue();
            assertThat(create("{\"modelName\": \"m\"}").needsPreparation()).as("the estimate").isFalse();
            InferenceRequest request = Fixtures.request("m", "Hello world! The quick brown fox.");
            CompletableFuture<Boolean> doneOnReturn = new CompletableFuture<>();
            CompletableFuture<TokenizedPrompt> result = new CompletableFuture<>();
            CompletableFuture<Boolean> completedOnTheLoop = new CompletableFuture<>();
            vertx.runOnContext(v -> {
                Thread loop = Thread.currentThread();
                var stage = producer.prepare(request, new byte[0]).toCompletableFuture();
                // the worker's result is delivered through this event loop, which is still busy here
                doneOnReturn.complete(stage.isDone());
                release.countDown();
                stage.whenComplete((prompt, failure) -> {
                    completedOnTheLoop.complete(Thread.currentThread() == loop);
                    result.complete(prompt);
                });
            });

            assertThat(doneOnReturn.get(10, TimeUnit.SECONDS)).as("returned before tokenizing").isFalse();
            assertThat(completedOnTheLoop.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(result.get().tokenIds()).containsExactly(producer.tokenize(request).tokenIds());
            // off the event loop (the cluster simulator, a test) it answers at once
            assertThat(producer.prepare(request, new byte[0]).toCompletableFuture().isDone()).isTrue();
        } finally {
            release.countDown();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPreparedPromptIsKeptByTheCycle() throws Exception {
        RuntimeTokenProducer producer = create(hf(""));
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "hello world"));
        TokenizedPrompt prepared = new TokenizedPrompt(new int[] { 9, 9, 9 }, false);
        context.put(TokenizedPrompt.KEY, prepared);

        producer.produce(context, List.of());

        assertThat(context.get(TokenizedPrompt.KEY)).isSameAs(prepared);
    }

    @Test
    void specialTokensCanBeLeftOut() throws Exception {
        RuntimeTokenProducer producer = create(hf(", \"addSpecialTokens\": false"));

        assertThat(producer.tokenize(Fixtures.request("m", "hello world")).tokenIds()).containsExactly(2, 3);
    }

    @Test
    void aPromptOfTokenIdsIsUsedAsIs() throws Exception {
        RuntimeTokenProducer producer = create(hf(""));
        InferenceRequest request = new InferenceRequest("r", ApiType.COMPLETIONS, "m", "m", false, null, Map.of(),
                new RequestBody.Completions(new PromptInput.TokenIds(new int[] { 5, 6, 7 }), null), new byte[0],
                false);

        assertThat(producer.tokenize(request)).isEqualTo(new TokenizedPrompt(new int[] { 5, 6, 7 }, false));
    }

    @Test
    void withoutABackendItEstimatesAsTheEngineDoes() throws Exception {
        RuntimeTokenProducer producer = create("{\"modelName\": \"m\"}");

        TokenizedPrompt prompt = producer.tokenize(Fixtures.request("m", "12345678"));

        assertThat(prompt.estimated()).isTrue();
        assertThat(prompt.tokenIds()).containsExactly(0x34333231, 0x38373635);
        assertThat(producer.cache()).isNull();
    }

    @Test
    void theCacheServesTheSharedPrefixOfTheSecondRequestWithTheSameIdsAsACold() throws Exception {
        RuntimeTokenProducer producer = create(hf(", \"chunkChars\": 32"));
        RuntimeTokenProducer uncached = create(hf(", \"cacheChunks\": 0"));
        String system = "You are a helpful assistant. Answer the question about the routing cache. ".repeat(10);

        TokenizedPrompt first = producer.tokenize(Fixtures.request("m", system + "what is a token?"));
        TokenizedPrompt second = producer.tokenize(Fixtures.request("m", system + "why?"));

        // <s> you are a helpful assistant . ... why ?
        assertThat(first.tokenIds()).startsWith(1, 12, 13, 14, 15, 16, 49);
        assertThat(second.tokenIds()).endsWith(29, 51);
        assertThat(second).isEqualTo(uncached.tokenize(Fixtures.request("m", system + "why?")));
        assertThat(producer.cache().tokenizeWithStats(system + "how?").cachedChars())
                .isGreaterThan(system.length() - 64);
        assertThat(uncached.cache().size()).isZero();
    }

    @Test
    void onlyTheFirstMaxPromptCharsAreTokenizedCutAtAWord() throws Exception {
        RuntimeTokenProducer producer = create(hf(", \"maxPromptChars\": 1024"));
        String prompt = "hello world ".repeat(200); // 2,400 characters

        int[] ids = producer.tokenize(Fixtures.request("m", prompt)).tokenIds();

        // Character 1,024 is inside the 86th "hello" (1,020-1,024): the head stops after the 85th "world", so <s>
        // and 85 times hello=2 world=3.
        assertThat(ids).hasSize(1 + 2 * 85);
        assertThat(ids).startsWith(1, 2, 3).endsWith(2, 3);
        assertThat(RuntimeTokenProducer.head(prompt, 1024)).hasSize(1019).endsWith("world");
        assertThat(RuntimeTokenProducer.head("x".repeat(2000), 1024)).hasSize(1024);
        assertThat(RuntimeTokenProducer.head("short", 1024)).isEqualTo("short");
    }

    @Test
    void configErrorsNameTheField() {
        assertField("{\"hfTokenizerFile\": {}}", "hfTokenizerFile.path");
        assertField("{\"hfTokenizerFile\": {\"path\": \"target/none/tokenizer.json\"}}", "hfTokenizerFile.path");
        assertField(hf(", \"cacheChunks\": -1"), "hfTokenizerFile.cacheChunks");
        assertField(hf(", \"chunkChars\": 8"), "hfTokenizerFile.chunkChars");
        assertField(hf(", \"maxPromptChars\": 100"), "hfTokenizerFile.maxPromptChars");
        assertField(hf(", \"chunk\": 8"), "hfTokenizerFile.chunk");
        // without the runtime's Vert.x (this factory) a valid vllm section is refused, naming it
        assertField("{\"vllm\": {\"url\": \"http://tokenizer:8000\"}}", "vllm");
        assertField("{\"vllm\": {\"url\": \"ftp://tokenizer:8000\"}}", "vllm.url");
        assertField("{\"vllm\": {\"url\": \"http://tokenizer:8000/?x=1\"}}", "vllm.url");
        assertField("{\"vllm\": {\"url\": \"http://a\", \"http\": \"http://b\"}}", "vllm.http");
        assertField("{\"vllm\": {\"timeout\": \"5\"}}", "vllm.timeout");
        assertField("{\"vllm\": {\"mmTimeout\": \"0s\"}}", "vllm.mmTimeout");
        assertField("{\"vllm\": {\"maxInFlight\": 0}}", "vllm.maxInFlight");
        assertField("{\"vllm\": {\"caCertPath\": \"target/none.pem\"}}", "vllm.caCertPath");
        assertField("{\"vllm\": {\"endpointDiscovery\": {}}}", "vllm.endpointDiscovery");
        assertField("{\"vllm\": {}, " + hf("").substring(1), "vllm");
        assertField("{\"udsTokenizerConfig\": {}}", "udsTokenizerConfig");
    }

    private static void assertField(String json, String field) {
        assertThatThrownBy(() -> create(json)).as(json).isInstanceOf(PluginConfigException.class)
                .satisfies(e -> assertThat(((PluginConfigException) e).field()).isEqualTo(field))
                .hasMessageContaining(field.substring(field.lastIndexOf('.') + 1));
    }

    @Test
    void installReplacesTheEnginesFactoryAndItsDeprecatedAlias() throws Exception {
        PluginRegistry registry = BuiltInPlugins.registry();
        JsonNode params = JSON.readTree(hf(""));

        assertThatThrownBy(() -> registry.find("token-producer").orElseThrow().factory().create("t", params,
                PluginHandle.NONE)).isInstanceOf(PluginConfigException.class);
        RuntimeTokenProducer.install(registry, null);

        for (String type : new String[] { "token-producer", "tokenizer" }) {
            PluginRegistry.Registration r = registry.find(type).orElseThrow();
            assertThat(r.factory().create("t", params, PluginHandle.NONE)).isInstanceOf(RuntimeTokenProducer.class);
        }
        assertThat(registry.find("tokenizer").orElseThrow().deprecated()).isTrue();
        assertThat(registry.find("token-producer").orElseThrow().deprecated()).isFalse();
        ObjectNode none = JSON.createObjectNode();
        assertThat(registry.find("token-producer").orElseThrow().factory().create("t", none, PluginHandle.NONE)
                .typedName().type()).isEqualTo("token-producer");
    }
}
