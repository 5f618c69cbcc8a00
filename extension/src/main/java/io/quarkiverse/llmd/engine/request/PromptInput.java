package io.quarkiverse.llmd.engine.request;

import java.util.Arrays;
import java.util.List;

/**
 * A completions {@code prompt} or an embeddings {@code input}: text, a list of texts, token ids, or a batch of
 * token-id lists. Token ids are non-negative 32-bit signed integers (no tokenizer has 2^31 entries, so the unsigned
 * upper half llm-d would accept is refused here).
 */
public sealed interface PromptInput {

    /** Whether there is nothing to process (the request is refused then). */
    boolean isEmpty();

    /**
     * The text used for approximate prefix matching: the text itself, texts joined by single spaces, and the empty
     * string for token ids (llm-d cannot see the text behind them).
     */
    String plainText();

    /** A single string. */
    record Text(String text) implements PromptInput {
        @Override
        public boolean isEmpty() {
            return text.isEmpty();
        }

        @Override
        public String plainText() {
            return text;
        }
    }

    /** An array of strings. */
    record Texts(List<String> texts) implements PromptInput {
        public Texts {
            texts = List.copyOf(texts);
        }

        @Override
        public boolean isEmpty() {
            return texts.isEmpty();
        }

        @Override
        public String plainText() {
            return String.join(" ", texts);
        }
    }

    /** An array of token ids. The array is shared: do not modify it. */
    record TokenIds(int[] ids) implements PromptInput {
        @Override
        public boolean isEmpty() {
            return ids.length == 0;
        }

        @Override
        public String plainText() {
            return "";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TokenIds other && Arrays.equals(ids, other.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "TokenIds[" + ids.length + " ids]";
        }
    }

    /** An array of token-id arrays (a batch). The arrays are shared: do not modify them. */
    record TokenIdBatches(List<int[]> batches) implements PromptInput {
        public TokenIdBatches {
            batches = List.copyOf(batches);
        }

        @Override
        public boolean isEmpty() {
            for (int[] b : batches) {
                if (b.length > 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String plainText() {
            return "";
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof TokenIdBatches other) || other.batches.size() != batches.size()) {
                return false;
            }
            for (int i = 0; i < batches.size(); i++) {
                if (!Arrays.equals(batches.get(i), other.batches.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (int[] b : batches) {
                h = 31 * h + Arrays.hashCode(b);
            }
            return h;
        }

        @Override
        public String toString() {
            return "TokenIdBatches[" + batches.size() + " batches]";
        }
    }
}
