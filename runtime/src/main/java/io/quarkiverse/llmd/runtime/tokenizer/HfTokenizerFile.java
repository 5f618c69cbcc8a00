package io.quarkiverse.llmd.runtime.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;

/**
 * A HuggingFace {@code tokenizer.json} run locally through DJL's binding of the Rust {@code tokenizers} library
 * (CPU, in process, no network). Thread-safe: the native tokenizer is immutable once loaded.
 * <p>
 * The special tokens the file's post-processor adds around a single sequence (BOS for Llama-style files, CLS/SEP
 * for BERT-style ones) are found once, by encoding a probe with and without them, so that prompt text can be
 * tokenized in pieces ({@link PrefixTokenCache}) and the specials added around the whole.
 */
public final class HfTokenizerFile implements TextTokenizer {

    private static final String PROBE = "probe";

    /**
     * Loaded files by real path, size and modification time: pools (or configs loaded twice) naming the same file
     * share one native tokenizer, which is never freed. Only operators name files, so this stays small.
     */
    private static final Map<String, HfTokenizerFile> LOADED = new ConcurrentHashMap<>();

    private final HuggingFaceTokenizer tokenizer;
    private final int[] leadingSpecials;
    private final int[] trailingSpecials;

    private HfTokenizerFile(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        int[] with = ints(tokenizer.encode(PROBE, true, false).getIds());
        int[] without = ints(tokenizer.encode(PROBE, false, false).getIds());
        int at = indexOf(with, without);
        if (at < 0) {
            throw new IllegalArgumentException("the tokenizer's post-processor changes the tokens of a plain"
                    + " sequence; only added leading or trailing special tokens are supported");
        }
        this.leadingSpecials = Arrays.copyOfRange(with, 0, at);
        this.trailingSpecials = Arrays.copyOfRange(with, at + without.length, with.length);
    }

    /**
     * Loads a {@code tokenizer.json}.
     *
     * @throws IOException when the file cannot be read
     * @throws RuntimeException when the native library refuses the file (its message says why)
     */
    public static HfTokenizerFile load(Path tokenizerJson) throws IOException {
        if (!Files.isRegularFile(tokenizerJson) || !Files.isReadable(tokenizerJson)) {
            throw new IOException("not a readable file: " + tokenizerJson.toAbsolutePath());
        }
        // No truncation or padding: routing needs the ids of the whole prompt, whatever the model's max length.
        return new HfTokenizerFile(HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false")));
    }

    /** Like {@link #load}, but returns the instance already loaded from the same unchanged file, if any. */
    public static HfTokenizerFile shared(Path tokenizerJson) throws IOException {
        if (!Files.isRegularFile(tokenizerJson) || !Files.isReadable(tokenizerJson)) {
            throw new IOException("not a readable file: " + tokenizerJson.toAbsolutePath());
        }
        Path real = tokenizerJson.toRealPath();
        String key = real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis();
        try {
            return LOADED.computeIfAbsent(key, k -> {
                try {
                    return load(real);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public Encoded encode(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        int[] ids = ints(encoding.getIds());
        CharSpan[] spans = encoding.getCharTokenSpans();
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int lastEnd = 0;
        for (int i = 0; i < ids.length; i++) {
            CharSpan span = i < spans.length ? spans[i] : null;
            if (span == null) {
                starts[i] = -1;
                ends[i] = lastEnd;
            } else {
                starts[i] = span.getStart();
                ends[i] = span.getEnd();
                lastEnd = span.getEnd();
            }
        }
        return new Encoded(ids, starts, ends);
    }

    /** Special tokens the file adds before a single sequence; callers must not modify them. */
    public int[] leadingSpecials() {
        return leadingSpecials;
    }

    /** Special tokens the file adds after a single sequence; callers must not modify them. */
    public int[] trailingSpecials() {
        return trailingSpecials;
    }

    private static int[] ints(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    private static int indexOf(int[] haystack, int[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
