package io.quarkiverse.llmd.simulator.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BuiltinTokenizerTest {

    static final String TEXT = "The quick brown fox jumps over the lazy dog. Prefix caching, chunked prefill and "
            + "continuous batching are what make vLLM fast!\n\tNumbers like 12345678 and unicode: héllo wörld 你好.";

    @Test
    void roundTripsAndIsDeterministic() {
        BuiltinTokenizer t = BuiltinTokenizer.INSTANCE;
        int[] ids = t.encode(TEXT);
        assertThat(t.decode(ids)).isEqualTo(TEXT);
        assertThat(new BuiltinTokenizer().encode(TEXT)).containsExactly(ids);
        assertThat(java.util.Arrays.stream(ids).boxed().toList()).allSatisfy(id -> assertThat(id).isBetween(256, BuiltinTokenizer.VOCAB_SIZE - 1));
    }

    @Test
    void roughlyFourCharactersPerTokenOnEnglish() {
        String english = "In computing, a cache is a hardware or software component that stores data so that "
                + "future requests for that data can be served faster; the data stored in a cache might be the "
                + "result of an earlier computation or a copy of data stored elsewhere.";
        double charsPerToken = (double) english.length() / BuiltinTokenizer.INSTANCE.encode(english).length;
        assertThat(charsPerToken).isBetween(3.0, 6.0);
    }

    @Test
    void pseudoTextReTokenizesToTheSameIds() {
        int[] out = PseudoText.tokens(7, 50);
        String text = BuiltinTokenizer.INSTANCE.decode(out);
        assertThat(BuiltinTokenizer.INSTANCE.encode(text)).containsExactly(out);
        assertThat(PseudoText.tokens(7, 50)).containsExactly(out);
        assertThat(PseudoText.tokens(8, 50)).isNotEqualTo(out);
    }
}
