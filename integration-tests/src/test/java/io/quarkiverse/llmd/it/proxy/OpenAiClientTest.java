package io.quarkiverse.llmd.it.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The official OpenAI Java client talks to the proxy as it would to OpenAI. */
@QuarkusTest
@TestProfile(HealthyFleetProfile.class)
class OpenAiClientTest {

    @TestHTTPResource("/")
    URL root;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder().baseUrl(root.toString() + "v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(SimFleetResource.MODEL).addUserMessage("Say hello").maxCompletionTokens(8).build());
        assertThat(c.model()).isEqualTo(SimFleetResource.MODEL);
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).message().content()).isPresent();
        assertThat(c.usage()).hasValueSatisfying(u -> {
            assertThat(u.promptTokens()).isPositive();
            assertThat(u.completionTokens()).isPositive();
            assertThat(u.totalTokens()).isEqualTo(u.promptTokens() + u.completionTokens());
        });
    }

    @Test
    void chatCompletionStreamed() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(SimFleetResource.MODEL).addUserMessage("Tell a story")
                        .maxCompletionTokens(10)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks).isNotEmpty();
        StringBuilder text = new StringBuilder();
        chunks.forEach(ch -> ch.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        assertThat(text).isNotEmpty();
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
    }

    @Test
    void completion() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(SimFleetResource.MODEL)
                .prompt("The capital of France is").maxTokens(6).build());
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).text()).isNotNull();
        assertThat(c.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
    }

    @Test
    void completionStreamed() {
        StringBuilder text = new StringBuilder();
        int[] chunks = { 0 };
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams
                .builder().model(SimFleetResource.MODEL).prompt("Once upon a time").maxTokens(8).build())) {
            stream.stream().forEach(c -> {
                chunks[0]++;
                c.choices().forEach(choice -> text.append(choice.text()));
            });
        }
        assertThat(chunks[0]).isPositive();
        assertThat(text).isNotEmpty();
    }

    @Test
    void errorsSurfaceAsOpenAiExceptions() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("missing-model").addUserMessage("x").build()))
                .isInstanceOf(com.openai.errors.NotFoundException.class);
    }
}
