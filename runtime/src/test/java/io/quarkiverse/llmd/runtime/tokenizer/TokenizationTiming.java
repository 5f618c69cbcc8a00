package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures tokenizing a 4,000-token prompt with a real {@code tokenizer.json} (docs/benchmarks.md), cold and with
 * the prompt's 3,500-token system prompt cached, and checks on that real tokenizer that the cached path gives the
 * same ids as a cold one. Runs only when {@code -Dllmd.bench.tokenizer=/path/to/tokenizer.json} is given; prints
 * the numbers and asserts no times.
 */
@EnabledIfSystemProperty(named = "llmd.bench.tokenizer", matches = ".+")
class TokenizationTiming {

    private static final String[] WORDS = { "the", "model", "server", "answers", "questions", "about", "routing,",
            "caches", "and", "tokens.", "A", "gateway", "picks", "an", "endpoint", "for", "each", "request;", "it",
            "prefers", "pods", "that", "already", "hold", "prompt's", "prefix", "(in", "GPU", "memory)", "so",
            "time-to-first-token", "drops.", "Kubernetes", "scales", "replicas", "when", "queues", "grow:",
            "1,024", "blocks", "of", "64", "tokens", "each!", "def", "f(x):", "return", "x**2", "\n" };

    private static String text(SplittableRandom random, HfTokenizerFile tokenizer, int tokens) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            for (int i = 0; i < 200; i++) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            if (tokenizer.encode(sb.toString()).ids().length >= tokens) {
                return sb.toString();
            }
        }
    }

    @Test
    void tokenizeA4000TokenPrompt() throws Exception {
        HfTokenizerFile tokenizer = HfTokenizerFile.load(Path.of(System.getProperty("llmd.bench.tokenizer")));
        SplittableRandom random = new SplittableRandom(42);
        String system = text(random, tokenizer, 3500);
        int rounds = 300;
        // Two passes over distinct prompts (the first warms the JIT up): only the system prompt is ever seen before.
        String[] prompts = new String[2 * rounds];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = system + "Question " + i + ": " + text(random, tokenizer, 500);
        }
        PrefixTokenCache off = new PrefixTokenCache(tokenizer, 0, 256);
        PrefixTokenCache on = new PrefixTokenCache(tokenizer, 16_384, 256);
        int mismatches = 0;
        long[] cold = new long[rounds];
        long[] warm = new long[rounds];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < rounds; i++) {
                String prompt = prompts[pass * rounds + i];
                long t0 = System.nanoTime();
                int[] a = off.tokenize(prompt);
                long t1 = System.nanoTime();
                int[] b = on.tokenize(prompt);
                long t2 = System.nanoTime();
                cold[i] = t1 - t0;
                warm[i] = t2 - t1;
                if (!Arrays.equals(a, b)) {
                    mismatches++;
                }
            }
        }
        System.out.printf("tokens per prompt: %d (%d chars)%n", off.tokenize(prompts[0]).length,
                prompts[0].length());
        System.out.printf("cold:   p50 %.3f ms, p90 %.3f ms%n", pct(cold, 50), pct(cold, 90));
        System.out.printf("cached: p50 %.3f ms, p90 %.3f ms (shared 3,500-token system prompt)%n", pct(warm, 50),
                pct(warm, 90));
        System.out.printf("system prompt %d chars; cache entries %d; mismatches %d%n", system.length(), on.size(),
                mismatches);
        assertThat(mismatches).isZero();
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
    }
}
