package io.quarkiverse.llmd.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

class UsageParserTest {

    private static Optional<Usage> json(String s) {
        return UsageParser.fromJson(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void chatCompletionUsesPromptAndCompletionNames() {
        String body = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"usage: \\"usage\\" {\\"input_tokens\\":9}"}}],
                 "usage":{"prompt_tokens":12,"total_tokens":30,"completion_tokens":18,
                          "prompt_tokens_details":{"cached_tokens":8},"input_tokens":99}}""";
        assertThat(json(body)).contains(new Usage(12, 18, 30, 8));
    }

    @Test
    void textCompletionWithNullDetails() {
        assertThat(json("{\"object\":\"text_completion\",\"usage\":{\"prompt_tokens\":5,\"total_tokens\":7,"
                + "\"completion_tokens\":2,\"prompt_tokens_details\":null}}")).contains(new Usage(5, 2, 7, 0));
    }

    @Test
    void responsesAndConversationsUseInputAndOutputNames() {
        assertThat(json("{\"object\":\"response\",\"usage\":{\"input_tokens\":31,\"output_tokens\":9,\"total_tokens\":40,"
                + "\"input_tokens_details\":{\"cached_tokens\":16},\"prompt_tokens\":1}}")).contains(new Usage(31, 9, 40, 16));
        assertThat(json("{\"usage\":{\"input_tokens\":3,\"output_tokens\":4},\"object\":\"conversation\"}"))
                .contains(new Usage(3, 4, 7, 0));
    }

    @Test
    void unknownObjectTriesBothNames() {
        assertThat(json("{\"object\":\"list\",\"usage\":{\"prompt_tokens\":6,\"total_tokens\":6}}"))
                .contains(new Usage(6, 0, 6, 0));
        assertThat(json("{\"usage\":{\"input_tokens\":6,\"output_tokens\":\"2\"}}")).contains(new Usage(6, 2, 8, 0));
        assertThat(json("{\"usage\":{\"prompt_tokens\":null,\"input_tokens\":6,\"completion_tokens\":2.9}}"))
                .contains(new Usage(6, 2, 8, 0));
    }

    @Test
    void misspeltLlmdDetailsFieldIsAcceptedToo() {
        assertThat(json("{\"object\":\"chat.completion\",\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1,"
                + "\"total_tokens\":11,\"prompt_token_details\":{\"cached_tokens\":4}}}")).contains(new Usage(10, 1, 11, 4));
    }

    @Test
    void noUsageOrGarbageYieldsEmpty() {
        assertThat(json("{\"object\":\"chat.completion\",\"choices\":[]}")).isEmpty();
        assertThat(json("{\"usage\":null}")).isEmpty();
        assertThat(json("{\"usage\":5}")).isEmpty();
        assertThat(json("[1,2]")).isEmpty();
        assertThat(json("{\"usage\":{\"prompt_tokens\":1}")).isEmpty();
        assertThat(json("")).isEmpty();
        assertThat(UsageParser.fromJson(null)).isEmpty();
        Random r = new Random(3);
        for (int i = 0; i < 500; i++) {
            byte[] b = new byte[r.nextInt(80)];
            r.nextBytes(b);
            UsageParser.fromJson(b);
            UsageParser.fromSse(b);
        }
    }

    @Test
    void sseTakesFirstUsageChunkAndSkipsDone() {
        String stream = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
                + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                + "\"total_tokens\":17,\"completion_tokens\":10}}\n\n"
                + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
                + "data: [DONE]\n\n";
        assertThat(UsageParser.fromSse(stream)).contains(new Usage(7, 10, 17, 0));
        assertThat(UsageParser.fromSse("data: [DONE]\n\n")).isEmpty();
        assertThat(UsageParser.fromSse("data: {\"usage\":null,\"choices\":[]}\r\n\r\ndata: {bad json usage\"}\n")).isEmpty();
    }

    @Test
    void sseResponsesCompletedEvent() {
        String stream = "event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n"
                + "event: response.completed\n"
                + "data: {\"response\":{\"id\":\"r\",\"object\":\"response\",\"usage\":{\"input_tokens\":31,\"output_tokens\":5,"
                + "\"total_tokens\":36,\"input_tokens_details\":{\"cached_tokens\":16}}},\"type\":\"response.completed\"}\n\n";
        assertThat(UsageParser.fromSse(stream)).contains(new Usage(31, 5, 36, 16));
        String notCompleted = "data: {\"type\":\"response.in_progress\",\"response\":{\"object\":\"response\",\"usage\":{\"input_tokens\":1}}}\n";
        assertThat(UsageParser.fromSse(notCompleted)).isEmpty();
    }

    @Test
    void sseDataWithoutSpaceIsAccepted() {
        assertThat(UsageParser.fromSse("data:{\"object\":\"text_completion\",\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3}}\n"))
                .contains(new Usage(2, 3, 5, 0));
    }
}
