package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class PrefixTokenCacheTest {

    private static final String SYSTEM = ("You are a helpful assistant. Answer the question about routing, the cache"
            + " and the model server; the prefix is shared by many requests. ").repeat(20);

    /** Words and punctuation as tokens (id = word hash), recording every text it is asked to tokenize. */
    static final class CountingTokenizer implements TextTokenizer {
        final List<String> calls = new ArrayList<>();

        @Override
        public synchronized Encoded encode(String text) {
            calls.add(text);
            List<int[]> tokens = new ArrayList<>();
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                    continue;
                }
                int start = i;
                if (Character.isLetterOrDigit(c)) {
                    while (i < text.length() && Character.isLetterOrDigit(text.charAt(i))) {
                        i++;
                    }
                } else {
                    i++;
                }
                tokens.add(new int[] { text.substring(start, i).hashCode() & 0xffff, start, i });
            }
            int[] ids = new int[tokens.size()];
            int[] starts = new int[tokens.size()];
            int[] ends = new int[tokens.size()];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = tokens.get(t)[0];
                starts[t] = tokens.get(t)[1];
                ends[t] = tokens.get(t)[2];
            }
            return new Encoded(ids, starts, ends);
        }
    }

    @Test
    void aSharedSystemPromptIsTokenizedOnce() {
        CountingTokenizer tokenizer = new CountingTokenizer();
        PrefixTokenCache cache = new PrefixTokenCache(tokenizer, 1000, 64, 42);
        String first = SYSTEM + "What is a prefix cache?";
        String second = SYSTEM + "How does routing work, and why?";

        int[] cold = cache.tokenize(first);
        PrefixTokenCache.Result warm = cache.tokenizeWithStats(second);

        assertThat(cold).containsExactly(tokenizer.encode(first).ids());
        assertThat(warm.ids()).containsExactly(tokenizer.encode(second).ids());
        // The second prompt only sent its tail to the tokenizer: from a cut in the system prompt's last chunks.
        String tail = tokenizer.calls.get(1);
        assertThat(second).endsWith(tail);
        assertThat(tail.length()).isLessThan(second.length() - SYSTEM.length() + 2 * 64);
        assertThat(warm.cachedChars()).isGreaterThan(SYSTEM.length() - 2 * 64);
    }

    @Test
    void cachedAndColdTokenizationsAgreeWithTheRealTokenizer() throws IOException {
        HfTokenizerFile hf = HfTokenizerFile.load(HfTokenizerFileTest.testTokenizer());
        assertThat(PrefixTokenCache.splitsAtWhitespace(hf)).isTrue();
        PrefixTokenCache cache = new PrefixTokenCache(hf, 1000, 32, 7);
        String[] questions = { "What is a token?", "How does the quick brown fox jump?", "Why?", "When, and how." };

        for (String q : questions) {
            String prompt = SYSTEM + q;
            assertThat(cache.tokenize(prompt)).as(q).containsExactly(hf.encode(prompt).ids());
        }
    }

    @Test
    void theCacheIsBounded() {
        PrefixTokenCache cache = new PrefixTokenCache(new CountingTokenizer(), 8, 16, 1);

        for (int i = 0; i < 50; i++) {
            cache.tokenize("prompt number " + i + " with some words after it to fill several chunks of text");
        }

        assertThat(cache.size()).isEqualTo(8);
    }

    @Test
    void aChangeInsideThePrefixIsNotServedFromTheCache() {
        CountingTokenizer tokenizer = new CountingTokenizer();
        PrefixTokenCache cache = new PrefixTokenCache(tokenizer, 1000, 32, 3);
        String edited = "Answer" + SYSTEM.substring(6);

        cache.tokenize(SYSTEM + "Question one.");
        PrefixTokenCache.Result result = cache.tokenizeWithStats(edited + "Question one.");

        assertThat(result.cachedChars()).isZero();
        assertThat(result.ids()).containsExactly(tokenizer.encode(edited + "Question one.").ids());
    }

    @Test
    void textBeyondTheBasicPlaneAndADisabledCacheAreTokenizedWhole() {
        CountingTokenizer tokenizer = new CountingTokenizer();
        PrefixTokenCache cache = new PrefixTokenCache(tokenizer, 1000, 16, 5);
        String emoji = SYSTEM + "\uD83D\uDE00 smile";
        cache.tokenize(emoji);
        assertThat(cache.size()).isZero();

        PrefixTokenCache off = new PrefixTokenCache(tokenizer, 0, 16, 5);
        off.tokenize(SYSTEM);
        assertThat(off.tokenizeWithStats(SYSTEM).cachedChars()).isZero();
        assertThat(off.size()).isZero();
    }

    @Test
    void aTokenizerThatMarksEveryInputStartIsDetected() {
        CountingTokenizer words = new CountingTokenizer();
        // Like a SentencePiece normalizer that prepends a word marker to each input: cut text gets a second one.
        TextTokenizer marking = text -> {
            TextTokenizer.Encoded e = words.encode(text);
            int[] ids = new int[e.ids().length + 1];
            int[] starts = new int[ids.length];
            int[] ends = new int[ids.length];
            ids[0] = 99_999;
            System.arraycopy(e.ids(), 0, ids, 1, e.ids().length);
            System.arraycopy(e.starts(), 0, starts, 1, e.ids().length);
            System.arraycopy(e.ends(), 0, ends, 1, e.ids().length);
            return new TextTokenizer.Encoded(ids, starts, ends);
        };

        assertThat(PrefixTokenCache.splitsAtWhitespace(words)).isTrue();
        assertThat(PrefixTokenCache.splitsAtWhitespace(marking)).isFalse();
    }
}
