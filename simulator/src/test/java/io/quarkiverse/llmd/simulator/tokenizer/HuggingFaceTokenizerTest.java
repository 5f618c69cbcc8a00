package io.quarkiverse.llmd.simulator.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DJL's HuggingFace tokenizer on two hand-written tokenizer.json files (no model download): a WordLevel vocabulary
 * with a Whitespace pre-tokenizer, and a tiny byte-level BPE whose post-processor adds {@code <s>}.
 */
class HuggingFaceTokenizerTest {

    static final String SENTENCE = "the quick brown fox jumps over the lazy dog.";
    static final int[] SENTENCE_IDS = { 1, 2, 3, 4, 5, 6, 1, 7, 8, 9 };

    static HuggingFaceTokenizer words;
    static HuggingFaceTokenizer bpe;

    static Path resource(String name) {
        try {
            return Path.of(HuggingFaceTokenizerTest.class.getResource("/tokenizer/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void load() {
        words = (HuggingFaceTokenizer) Tokenizers.forPath(resource("wordlevel-tokenizer.json"));
        bpe = (HuggingFaceTokenizer) Tokenizers.forPath(resource("bpe-tokenizer.json"));
    }

    @AfterAll
    static void close() {
        words.close();
        bpe.close();
    }

    @Test
    void wordLevelGivesTheVocabularyIds() {
        assertThat(words.encode(SENTENCE)).containsExactly(SENTENCE_IDS);
        assertThat(words.encode("The fox")).containsExactly(0, 4); // "The" is not in the lower-case vocabulary
        assertThat(words.vocabSize()).isEqualTo(23);
        assertThat(words.tokenString(4)).isEqualTo("fox");
        assertThat(words.tokenString(0)).isEqualTo("[UNK]");
    }

    @Test
    void decodeRoundTrips() {
        String text = words.decode(SENTENCE_IDS);
        assertThat(text).isEqualTo("the quick brown fox jumps over the lazy dog ."); // WordLevel joins with spaces
        assertThat(words.encode(text)).containsExactly(SENTENCE_IDS);

        int[] ids = bpe.encode("hello world the");
        assertThat(ids).containsExactly(0, 23, 28, 30); // <s> hello Ġworld Ġthe
        assertThat(bpe.decode(ids)).isEqualTo("<s>hello world the"); // special tokens kept, as /detokenize
        assertThat(bpe.decode(ids, 1, ids.length)).isEqualTo("hello world the");
        assertThat(bpe.tokenString(28)).isEqualTo("Ġworld");
    }

    @Test
    void onlyThePostProcessorAddsSpecialTokens() {
        assertThat(bpe.encode("hello")).containsExactly(0, 23); // TemplateProcessing: <s> $A
        assertThat(words.encode("hello")).containsExactly(20); // no post_processor: nothing added
    }

    @Test
    void streamedRangesKeepTheirSpaces() {
        int[] ids = bpe.encode("hello world the world");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < ids.length; i++) {
            sb.append(bpe.decode(ids, i, i + 1));
        }
        assertThat(sb).hasToString("hello world the world");
        assertThat(words.decode(SENTENCE_IDS, 0, 3) + words.decode(SENTENCE_IDS, 3, 10))
                .isEqualTo(words.decode(SENTENCE_IDS));
    }

    @Test
    void longPromptsAreNotTruncated() {
        // DJL's own default would cut this at 512 tokens
        assertThat(bpe.encode(" world".repeat(1000))).hasSize(1001);
    }

    @Test
    void generatedTextUsesSingleTokenWordsOfTheModel() {
        PseudoText text = PseudoText.forTokenizer(words);
        // the of and to in is it over . ,
        assertThat(text.vocabulary()).containsExactly(1, 11, 12, 13, 14, 15, 16, 6, 9, 10);
        int[] out = text.generate(7, 40);
        assertThat(words.encode(words.decode(out))).containsExactly(out);
        assertThat(PseudoText.forTokenizer(bpe).vocabulary()).containsExactly(30, 19); // Ġthe and "."
    }

    @Test
    void missingDjlOrFileIsExplained() {
        assertThatThrownBy(() -> Tokenizers.requireDjl(new ClassLoader(null) {
        })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--tokenizer needs ai.djl.huggingface:tokenizers on the classpath");
        assertThatThrownBy(() -> Tokenizers.forPath(Path.of("target/no-such-tokenizer.json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such file");
        assertThat(Tokenizers.forPath(null)).isSameAs(BuiltinTokenizer.INSTANCE);
    }
}
