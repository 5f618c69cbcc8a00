package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer.TokenProducer;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.PromptInput;
import io.quarkiverse.llmd.engine.request.RequestBody;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class TokenProducerTest {

    @Test
    void estimateCutsThePromptIntoFourBytePiecesReadLittleEndian() {
        int[] tokens = TokenProducer.estimate("abcdefghij".getBytes(StandardCharsets.US_ASCII));

        assertThat(tokens).containsExactly(0x64636261, 0x68676665, 0x00006a69);
        assertThat(TokenProducer.estimate(new byte[0])).isEmpty();
        assertThat(TokenProducer.estimate(new byte[] { (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff }))
                .containsExactly(-1);
    }

    @Test
    void producesTheEstimateUnderTheTokenizedPromptKey() throws Exception {
        TokenProducer producer = (TokenProducer) TokenProducer.FACTORY.create("token-producer",
                new ObjectMapper().readTree("{\"modelName\": \"qwen\"}"), PluginHandle.NONE);
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "12345678"));

        producer.produce(context, List.of());

        TokenizedPrompt prompt = context.get(TokenizedPrompt.KEY);
        assertThat(prompt.estimated()).isTrue();
        assertThat(prompt.tokenIds()).containsExactly(0x34333231, 0x38373635);
        assertThat(producer.produces()).containsExactly(TokenizedPrompt.KEY);
        assertThat(producer.params().modelName()).isEqualTo("qwen");
    }

    @Test
    void aPromptOfTokenIdsIsUsedAsIs() {
        InferenceRequest request = new InferenceRequest("r", ApiType.COMPLETIONS, "m", "m", false, null, Map.of(),
                new RequestBody.Completions(new PromptInput.TokenIds(new int[] { 5, 6, 7 }), null), new byte[0],
                false);

        TokenizedPrompt prompt = TokenProducer.estimate(request);

        assertThat(prompt.tokenIds()).containsExactly(5, 6, 7);
        assertThat(prompt.estimated()).isFalse();
    }

    @Test
    void backendsTheEngineCannotRunAreErrors() {
        assertThatThrownBy(() -> TokenProducer.FACTORY.create("t",
                new ObjectMapper().readTree("{\"vllm\": {\"url\": \"http://tok:8000\"}}"), PluginHandle.NONE))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("runtime");
        assertThatThrownBy(() -> TokenProducer.FACTORY.create("t",
                new ObjectMapper().readTree("{\"modelNmae\": \"x\"}"), PluginHandle.NONE))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("unknown parameter 'modelNmae'");
    }
}
