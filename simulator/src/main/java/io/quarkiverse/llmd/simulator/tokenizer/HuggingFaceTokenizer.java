package io.quarkiverse.llmd.simulator.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A model's own tokenizer, from its HuggingFace {@code tokenizer.json}, through DJL's bindings to the Rust
 * {@code tokenizers} library ({@code ai.djl.huggingface:tokenizers}, an optional dependency; its jar carries the
 * native library, which DJL extracts to {@code $DJL_CACHE_DIR} or {@code ~/.djl.ai}). Create it with
 * {@link Tokenizers#forPath}, which checks that DJL is present first.
 *
 * <p>Choices, to match what vLLM does with the same file:
 * <ul>
 * <li><b>Special tokens.</b> {@link #encode} applies the {@code post_processor} of {@code tokenizer.json} (vLLM's
 * {@code add_special_tokens=True}, its default for completions and {@code /tokenize}): a Llama-3 file adds
 * {@code <|begin_of_text|>}, a Qwen file adds nothing, a file without a post-processor adds nothing. Nothing else is
 * added; {@code tokenizer_config.json} (chat template, {@code add_bos_token}) is not read.</li>
 * <li><b>No truncation, no padding</b>, whatever the file or DJL's defaults say (DJL otherwise cuts at 512 tokens):
 * a prompt longer than the context window is a 400, as in vLLM.</li>
 * <li>{@link #decode} keeps special tokens (as vLLM's {@code /detokenize}); a range {@code [from, to)} is decoded
 * incrementally, in the context of the few tokens before {@code from}, so streamed chunks keep their leading spaces
 * and concatenate to the whole text.</li>
 * <li>{@link #tokenString} is the vocabulary entry ({@code "Ġworld"}), as vLLM's {@code return_token_strs}.</li>
 * </ul>
 */
public final class HuggingFaceTokenizer implements Tokenizer, AutoCloseable {

    /** Tokens of context before a decoded range. */
    private static final int DECODE_CONTEXT = 6;

    private final ai.djl.huggingface.tokenizers.HuggingFaceTokenizer djl;
    private final Path source;
    private final String[] tokens;
    private final BitSet special;

    private HuggingFaceTokenizer(ai.djl.huggingface.tokenizers.HuggingFaceTokenizer djl, Path source,
            String[] tokens, BitSet special) {
        this.djl = djl;
        this.source = source;
        this.tokens = tokens;
        this.special = special;
    }

    /**
     * Loads {@code tokenizerJson}.
     *
     * @throws IllegalArgumentException if the file cannot be read or parsed, or the native library cannot load
     */
    public static HuggingFaceTokenizer load(Path tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("--tokenizer: cannot read " + tokenizerJson + ": " + e.getMessage(), e);
        }
        String[] tokens = vocabulary(root, tokenizerJson);
        BitSet special = new BitSet();
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("special").asBoolean(false)) {
                special.set(t.path("id").asInt());
            }
        }
        ai.djl.huggingface.tokenizers.HuggingFaceTokenizer djl;
        // DJL pings the EC2 metadata service on every load unless "offline" is set; loading a file needs no network
        String offline = System.getProperty("offline");
        try {
            if (offline == null) {
                System.setProperty("offline", "true");
            }
            djl = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new IllegalArgumentException("--tokenizer: cannot load " + tokenizerJson + ": " + e, e);
        } finally {
            if (offline == null) {
                System.clearProperty("offline");
            }
        }
        return new HuggingFaceTokenizer(djl, tokenizerJson, tokens, special);
    }

    /** Id to vocabulary entry, from {@code model.vocab} (a map, or a list of pieces for Unigram) and added tokens. */
    private static String[] vocabulary(JsonNode root, Path file) {
        JsonNode vocab = root.path("model").path("vocab");
        JsonNode added = root.path("added_tokens");
        int size = 0;
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                size = Math.max(size, id.asInt() + 1);
            }
        } else if (vocab.isArray()) {
            size = vocab.size();
        } else {
            throw new IllegalArgumentException("--tokenizer: " + file + " has no model.vocab");
        }
        for (JsonNode t : added) {
            size = Math.max(size, t.path("id").asInt() + 1);
        }
        String[] out = new String[size];
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                out[e.getValue().asInt()] = e.getKey();
            }
        } else {
            for (int i = 0; i < vocab.size(); i++) {
                JsonNode piece = vocab.get(i);
                out[i] = piece.isArray() ? piece.path(0).asText() : piece.asText();
            }
        }
        for (JsonNode t : added) {
            out[t.path("id").asInt()] = t.path("content").asText();
        }
        return out;
    }

    @Override
    public int[] encode(String text) {
        return toInts(djl.encode(text, true, false).getIds());
    }

    @Override
    public String decode(int[] ids, int from, int to) {
        if (from >= to) {
            return "";
        }
        if (from == 0) {
            return djl.decode(toLongs(ids, 0, to), false);
        }
        int start = Math.max(0, from - DECODE_CONTEXT);
        String before = djl.decode(toLongs(ids, start, from), false);
        String all = djl.decode(toLongs(ids, start, to), false);
        if (all.startsWith(before) && !before.endsWith("\uFFFD")) {
            return all.substring(before.length());
        }
        return djl.decode(toLongs(ids, from, to), false);
    }

    @Override
    public String tokenString(int id) {
        if (id >= 0 && id < tokens.length && tokens[id] != null) {
            return tokens[id];
        }
        return djl.decode(new long[] { id }, false);
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    /** Encodes {@code "x" + piece} and {@code "x"}; the piece is the one extra id, if it decodes back to it. */
    @Override
    public int singleTokenId(String piece) {
        long[] base = djl.encode("x", false, false).getIds();
        long[] with = djl.encode("x" + piece, false, false).getIds();
        if (with.length != base.length + 1 || !Arrays.equals(base, 0, base.length, with, 0, base.length)) {
            return -1;
        }
        long id = with[base.length];
        if (id < 0 || id >= tokens.length || special.get((int) id)) {
            return -1;
        }
        String text = djl.decode(new long[] { id }, true);
        return !piece.isBlank() && text.strip().equals(piece.strip()) ? (int) id : -1;
    }

    /** The file this tokenizer was loaded from. */
    public Path source() {
        return source;
    }

    /** Frees the native tokenizer; the instance is unusable afterwards. */
    @Override
    public void close() {
        djl.close();
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    private static long[] toLongs(int[] ids, int from, int to) {
        long[] out = new long[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = ids[i];
        }
        return out;
    }

    @Override
    public String toString() {
        return "HuggingFaceTokenizer[" + source + ", " + tokens.length + " ids]";
    }
}
