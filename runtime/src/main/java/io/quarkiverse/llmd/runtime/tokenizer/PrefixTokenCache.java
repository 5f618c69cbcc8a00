package io.quarkiverse.llmd.runtime.tokenizer;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokenizes prompts through a {@link TextTokenizer}, reusing the tokens of prefixes seen before, so that a system
 * prompt shared by many requests is tokenized once rather than once per request.
 * <p>
 * The text is cut into chunks of {@code chunkChars} characters. Each full chunk is keyed by a hash chained over
 * every chunk before it (so a key stands for the whole prefix), and its entry remembers the tokens that end in it,
 * up to a <em>cut</em>: the end of the chunk's last token that is followed by whitespace and preceded by a
 * non-space character. Tokenizers split words at whitespace before merging anything (BPE, WordPiece, Unigram and
 * WordLevel all pre-tokenize that way), so the tokens before such a cut do not depend on what follows it, and the
 * text after it tokenizes the same on its own. A prompt then costs one lookup per chunk of its cached prefix and
 * one tokenization of the rest, from the last cut. Entries store their chunk's text and parent key and are checked
 * on lookup, so a hash collision cannot splice tokens of another prompt in.
 * <p>
 * Not cached (tokenized whole every time): text with characters outside the Basic Multilingual Plane, because
 * tokenizers count those in code points and the chunks in UTF-16 units; and anything when the tokenizer reports
 * token ends that go backwards. Bounded: at most {@code maxEntries} chunks, least recently used evicted first.
 * Thread-safe.
 */
public final class PrefixTokenCache {

    /** One cached chunk: the tokens after the previous cut up to this chunk's cut ({@code cut} -1: none). */
    private record Entry(long parent, String text, int cut, int[] ids) {
    }

    /** A tokenization and how much of it came from the cache. */
    public record Result(int[] ids, int cachedChars) {
    }

    private final TextTokenizer tokenizer;
    private final int chunkChars;
    private final int maxEntries;
    private final long seed;
    private final LinkedHashMap<Long, Entry> entries;

    /**
     * @param maxEntries the most chunks kept; 0 disables the cache
     * @param chunkChars characters per chunk, at least 16
     */
    public PrefixTokenCache(TextTokenizer tokenizer, int maxEntries, int chunkChars) {
        this(tokenizer, maxEntries, chunkChars, new SecureRandom().nextLong());
    }

    /** With a fixed hash seed; the public constructor draws one so that keys cannot be aimed at from outside. */
    PrefixTokenCache(TextTokenizer tokenizer, int maxEntries, int chunkChars, long seed) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must be >= 0, got " + maxEntries);
        }
        if (chunkChars < 16) {
            throw new IllegalArgumentException("chunkChars must be >= 16, got " + chunkChars);
        }
        this.tokenizer = tokenizer;
        this.maxEntries = maxEntries;
        this.chunkChars = chunkChars;
        this.seed = seed;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                return size() > PrefixTokenCache.this.maxEntries;
            }
        };
    }

    /** The token ids of {@code text} (no special tokens). */
    public int[] tokenize(String text) {
        return tokenizeWithStats(text).ids();
    }

    /** The token ids of {@code text} and how many of its leading characters were covered by cached tokens. */
    public Result tokenizeWithStats(String text) {
        int chunks = text.length() / chunkChars;
        if (maxEntries == 0 || chunks == 0 || hasSupplementary(text)) {
            return new Result(tokenizer.encode(text).ids(), 0);
        }
        long[] keys = keys(text, chunks);
        IntList prefix = new IntList(64);
        int resume = 0;
        int matched = 0;
        synchronized (entries) {
            for (; matched < chunks; matched++) {
                Entry e = entries.get(keys[matched]);
                long parent = matched == 0 ? seed : keys[matched - 1];
                int from = matched * chunkChars;
                if (e == null || e.parent != parent || !text.regionMatches(from, e.text, 0, chunkChars)) {
                    break;
                }
                prefix.add(e.ids);
                if (e.cut >= 0) {
                    resume = e.cut;
                }
            }
        }
        TextTokenizer.Encoded rest = tokenizer.encode(resume == 0 ? text : text.substring(resume));
        int[] ids = concat(prefix, rest.ids());
        if (matched < chunks) {
            remember(text, keys, matched, resume, rest);
        }
        return new Result(ids, resume);
    }

    /**
     * Whether {@code tokenizer} tokenizes text cut at a whitespace the way it tokenizes the whole, checked on a few
     * probes. False for instance for SentencePiece conversions whose normalizer prepends a word marker to every
     * input (the piece after the cut would get a second one); the cache must then stay off.
     */
    public static boolean splitsAtWhitespace(TextTokenizer tokenizer) {
        for (String probe : new String[] { "The quick brown fox, jumps over: the lazy dog.",
                "def f(x):\n    return x  + 1\n", "Hello world! Bonjour le monde." }) {
            int[] whole = tokenizer.encode(probe).ids();
            for (int i = 1; i < probe.length(); i++) {
                if (Character.isWhitespace(probe.charAt(i)) && !Character.isWhitespace(probe.charAt(i - 1))) {
                    int[] head = tokenizer.encode(probe.substring(0, i)).ids();
                    int[] tail = tokenizer.encode(probe.substring(i)).ids();
                    int[] joined = Arrays.copyOf(head, head.length + tail.length);
                    System.arraycopy(tail, 0, joined, head.length, tail.length);
                    if (!Arrays.equals(whole, joined)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Chunks cached now. */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /** Stores chunks {@code from}.. of {@code text}, given the tokens of the text after {@code resume}. */
    private void remember(String text, long[] keys, int from, int resume, TextTokenizer.Encoded rest) {
        int[] starts = rest.starts();
        int[] ends = rest.ends();
        int n = ends.length;
        for (int t = 1; t < n; t++) {
            if (ends[t] < ends[t - 1]) {
                return; // offsets we cannot reason about: serve, but do not cache
            }
        }
        int t = 0;
        int lastCutToken = 0; // tokens [0, lastCutToken) of rest are already accounted for
        Entry[] fresh = new Entry[keys.length - from];
        for (int k = from; k < keys.length; k++) {
            int chunkStart = k * chunkChars;
            int chunkEnd = chunkStart + chunkChars;
            int cutToken = -1;
            for (; t < n && resume + ends[t] < chunkEnd; t++) {
                if (resume + ends[t] >= chunkStart && isCut(text, resume, starts, ends, t)) {
                    cutToken = t;
                }
            }
            String chunk = text.substring(chunkStart, chunkEnd);
            long parent = k == 0 ? seed : keys[k - 1];
            if (cutToken < 0) {
                fresh[k - from] = new Entry(parent, chunk, -1, new int[0]);
            } else {
                fresh[k - from] = new Entry(parent, chunk, resume + ends[cutToken],
                        Arrays.copyOfRange(rest.ids(), lastCutToken, cutToken + 1));
                lastCutToken = cutToken + 1;
            }
        }
        synchronized (entries) {
            for (int k = from; k < keys.length; k++) {
                entries.put(keys[k], fresh[k - from]);
            }
        }
    }

    /**
     * Whether the text may be cut after token {@code t}: the token has a span, ends on a non-space character right
     * before whitespace, and the next token (if any) starts at or after that whitespace and ends past it.
     */
    private static boolean isCut(String text, int resume, int[] starts, int[] ends, int t) {
        int end = resume + ends[t];
        if (starts[t] < 0 || end <= 0 || end >= text.length()) {
            return false;
        }
        if (Character.isWhitespace(text.charAt(end - 1)) || !Character.isWhitespace(text.charAt(end))) {
            return false;
        }
        return t + 1 >= ends.length || (starts[t + 1] >= ends[t] && ends[t + 1] > ends[t]);
    }

    private long[] keys(String text, int chunks) {
        long[] keys = new long[chunks];
        long h = seed;
        for (int k = 0; k < chunks; k++) {
            int from = k * chunkChars;
            for (int i = from; i < from + chunkChars; i++) {
                h = (h ^ text.charAt(i)) * 0x9E3779B97F4A7C15L;
            }
            h = mix(h);
            keys[k] = h;
        }
        return keys;
    }

    /** MurmurHash3's 64-bit finalizer: spreads the chained state so that chunk keys look independent. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static boolean hasSupplementary(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static int[] concat(IntList prefix, int[] rest) {
        int[] out = Arrays.copyOf(prefix.values, prefix.size + rest.length);
        System.arraycopy(rest, 0, out, prefix.size, rest.length);
        return out;
    }

    private static final class IntList {
        int[] values;
        int size;

        IntList(int capacity) {
            values = new int[capacity];
        }

        void add(int[] more) {
            if (size + more.length > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, size + more.length));
            }
            System.arraycopy(more, 0, values, size, more.length);
            size += more.length;
        }
    }
}
