package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class HfTokenizerFileTest {

    /** A WordLevel tokenizer.json written for these tests: lower-cases, splits words and punctuation, BOS {@code <s>}=1. */
    static Path testTokenizer() {
        try {
            return Path.of(HfTokenizerFileTest.class.getResource("/tokenizer/tokenizer.json").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void encodesKnownStringsToTheVocabularyIdsWithCharacterSpans() throws IOException {
        HfTokenizerFile tokenizer = HfTokenizerFile.load(testTokenizer());

        TextTokenizer.Encoded encoded = tokenizer.encode("Hello world! Zebra");

        // hello=2, world=3, !=50, and an out-of-vocabulary word is [UNK]=0
        assertThat(encoded.ids()).containsExactly(2, 3, 50, 0);
        assertThat(encoded.starts()).containsExactly(0, 6, 11, 13);
        assertThat(encoded.ends()).containsExactly(5, 11, 12, 18);
    }

    @Test
    void findsTheSpecialTokensThePostProcessorAdds() throws IOException {
        HfTokenizerFile tokenizer = HfTokenizerFile.load(testTokenizer());

        assertThat(tokenizer.leadingSpecials()).containsExactly(1);
        assertThat(tokenizer.trailingSpecials()).isEmpty();
    }

    @Test
    void doesNotTruncateLongPrompts() throws IOException {
        HfTokenizerFile tokenizer = HfTokenizerFile.load(testTokenizer());

        assertThat(tokenizer.encode("the fox ".repeat(3000)).ids()).hasSize(6000);
    }

    @Test
    void theSameFileIsLoadedOnce() throws IOException {
        assertThat(HfTokenizerFile.shared(testTokenizer())).isSameAs(HfTokenizerFile.shared(testTokenizer()));
    }

    @Test
    void aMissingFileIsAnIoErrorNamingThePath() {
        assertThatThrownBy(() -> HfTokenizerFile.load(Path.of("target/no-such/tokenizer.json")))
                .isInstanceOf(IOException.class).hasMessageContaining("no-such/tokenizer.json");
    }
}
