package io.quarkiverse.llmd.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.AsyncDataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.PromptInput;
import io.quarkiverse.llmd.engine.request.RequestBody;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The runtime's {@code token-producer}: the engine's {@code estimate} backend, llm-d's {@code vllm} backend (the
 * model server's render endpoints, a {@link RenderTokenProducer} the factory creates instead of this class) and
 * {@code hfTokenizerFile}, a local HuggingFace {@code tokenizer.json} (our addition; llm-d has no such backend at
 * this level). Local tokenization is CPU work, but a cold 4,000-token prompt costs milliseconds
 * (docs/benchmarks.md): when the request pipeline prepares a request on a Vert.x event loop (the proxy, ext_proc),
 * it runs on a worker thread and the request is scheduled once it is done, so the event loop never waits for it; at
 * most {@link #MAX_OFFLOADED} run there at once, beyond which a request is tokenized inline rather than queued
 * without bound. Shared prefixes come from a {@link PrefixTokenCache} and {@code maxPromptChars} bounds the text per
 * request. What is tokenized is the text the engine
 * hashes for approximate prefix matching: a completions prompt as sent, a chat request's messages flattened to
 * JSON. No chat template is applied, so chat token ids are a deterministic stand-in that shares prefixes the way
 * the conversation does, not the ids vLLM computes. Thread-safe.
 */
public final class RuntimeTokenProducer implements AsyncDataProducer<TokenizedPrompt> {

    /** llm-d's type name, the same as the engine's producer (whose class the runtime does not name). */
    public static final String TYPE = "token-producer";

    private static final Logger LOG = Logger.getLogger(RuntimeTokenProducer.class);
    private static final Set<DataKey<?>> PRODUCES = Set.of(TokenizedPrompt.KEY);

    /** Defaults of {@link HfParams}. */
    public static final int DEFAULT_CACHE_CHUNKS = 16_384;
    public static final int DEFAULT_CHUNK_CHARS = 256;
    public static final int DEFAULT_MAX_PROMPT_CHARS = 65_536;
    static final int MAX_MAX_PROMPT_CHARS = 1 << 24;
    static final int MAX_CACHE_CHUNKS = 1 << 22;
    static final int MAX_CHUNK_CHARS = 1 << 16;

    /** Most local tokenizations on worker threads at once (per producer). */
    static final int MAX_OFFLOADED = 32;

    /** A factory without Vert.x (unit tests): the {@code vllm} backend is refused, local tokenization runs inline. */
    public static final PluginFactory FACTORY = factory(null);

    /** Defaults of {@link VllmParams}, as llm-d's. */
    public static final String DEFAULT_RENDER_URL = "http://localhost:8000";
    public static final String DEFAULT_RENDER_TIMEOUT = "5s";
    public static final String DEFAULT_RENDER_MM_TIMEOUT = "30s";
    /** Default of {@code vllm.maxInFlight} (ours). */
    public static final int DEFAULT_MAX_IN_FLIGHT = 128;
    static final int MAX_MAX_IN_FLIGHT = 65_536;
    /** Most connections one render server gets from one gateway, however high {@code maxInFlight} is. */
    static final int MAX_RENDER_CONNECTIONS = 32;

    /**
     * @param modelName the model name the render server knows: the {@code model} of every render call when set
     *        (KServe injects it); without it the request's own (rewritten) model is sent
     * @param vllm llm-d's render-endpoint backend: the model server's {@code /v1/completions/render} and
     *        {@code /v1/chat/completions/render}
     * @param udsTokenizerConfig llm-d's deprecated tokenizer sidecar; not supported
     * @param hfTokenizerFile a local HuggingFace tokenizer (ours); without it and {@code vllm} the estimate backend
     *        is used
     */
    public record Params(String modelName, VllmParams vllm, JsonNode udsTokenizerConfig, HfParams hfTokenizerFile) {
        public Params {
            if (vllm != null && hfTokenizerFile != null) {
                throw new PluginConfigException("vllm", "vllm and hfTokenizerFile are two tokenizer backends: "
                        + "configure one of them");
            }
            if (udsTokenizerConfig != null && !udsTokenizerConfig.isNull()) {
                throw new PluginConfigException("udsTokenizerConfig", "udsTokenizerConfig: the tokenizer sidecar (deprecated in llm-d)"
                        + " is not supported; use hfTokenizerFile or the estimate backend");
            }
        }
    }

    /**
     * The {@code vllm} backend: where the render server is and how long a call may take. A failed or late call does
     * not fail the request: it is tokenized by the estimate instead, and counted.
     *
     * @param url base URL of the render server, {@code http://} or {@code https://} (default
     *        {@code http://localhost:8000}, a vLLM in the same pod); fixed by configuration, never taken from a
     *        request
     * @param http the name older llm-d releases gave {@code url}; accepted as an alias
     * @param timeout longest call for a text request, a Go duration (default {@code 5s})
     * @param mmTimeout longest call for a chat request with image, audio or video parts (default {@code 30s})
     * @param maxInFlight most render calls open at once, 1..65536 (ours; default 128): beyond it a request is
     *        tokenized by the estimate at once, so that a slow render server cannot pile up requests
     * @param caCertPath PEM file of the CA that signed an {@code https} render server's certificate (default: the
     *        JVM's trust store)
     * @param insecureSkipVerify trust any certificate of an {@code https} render server (default false)
     */
    public record VllmParams(String url, String http, String timeout, String mmTimeout, Integer maxInFlight,
            String caCertPath, Boolean insecureSkipVerify) {
        public VllmParams {
            if (url != null && http != null) {
                throw new PluginConfigException("vllm.http", "vllm.http is the old name of vllm.url: give one of"
                        + " them");
            }
            if (url == null) {
                url = http != null ? http : DEFAULT_RENDER_URL;
            }
            RenderUrl.parse(http != null ? "vllm.http" : "vllm.url", url);
            if (timeout == null) {
                timeout = DEFAULT_RENDER_TIMEOUT;
            }
            positive("vllm.timeout", timeout);
            if (mmTimeout == null) {
                mmTimeout = DEFAULT_RENDER_MM_TIMEOUT;
            }
            positive("vllm.mmTimeout", mmTimeout);
            if (maxInFlight == null) {
                maxInFlight = DEFAULT_MAX_IN_FLIGHT;
            }
            if (maxInFlight < 1 || maxInFlight > MAX_MAX_IN_FLIGHT) {
                throw new PluginConfigException("vllm.maxInFlight", "vllm.maxInFlight must be between 1 and "
                        + MAX_MAX_IN_FLIGHT + ", got " + maxInFlight);
            }
            if (insecureSkipVerify == null) {
                insecureSkipVerify = false;
            }
            if (caCertPath != null && !java.nio.file.Files.isReadable(Path.of(caCertPath))) {
                throw new PluginConfigException("vllm.caCertPath", "vllm.caCertPath: cannot read " + caCertPath);
            }
        }

        public java.time.Duration timeoutDuration() {
            return GoDuration.parse("vllm.timeout", timeout);
        }

        public java.time.Duration mmTimeoutDuration() {
            return GoDuration.parse("vllm.mmTimeout", mmTimeout);
        }

        RenderUrl renderUrl() {
            return RenderUrl.parse("vllm.url", url);
        }

        private static void positive(String field, String text) {
            if (GoDuration.parse(field, text).compareTo(java.time.Duration.ofMillis(1)) < 0) {
                throw new PluginConfigException(field, field + " must be at least 1ms, got " + text);
            }
        }
    }

    /**
     * @param path the {@code tokenizer.json} file (required), as in a HuggingFace model directory
     * @param addSpecialTokens whether to add the special tokens the file's post-processor puts around a sequence
     *        (a Llama BOS, say), as vLLM does for completions; default true
     * @param cacheChunks how many prompt chunks the prefix cache keeps; 0 turns it off; default 16384
     * @param chunkChars characters per cached chunk, 16..65536; default 256
     * @param maxPromptChars only the prompt's first this many characters (cut back to a word boundary) are
     *        tokenized, 1024..16777216; default 65536 (about 16,000 tokens). It bounds the CPU one request can cost
     *        the scheduling thread; precise prefix matching only ever needs a prefix
     */
    public record HfParams(String path, Boolean addSpecialTokens, Integer cacheChunks, Integer chunkChars,
            Integer maxPromptChars) {
        public HfParams {
            if (path == null || path.isBlank()) {
                throw new PluginConfigException("hfTokenizerFile.path", "hfTokenizerFile.path is required: the"
                        + " model's tokenizer.json");
            }
            if (addSpecialTokens == null) {
                addSpecialTokens = true;
            }
            if (cacheChunks == null) {
                cacheChunks = DEFAULT_CACHE_CHUNKS;
            }
            if (cacheChunks < 0 || cacheChunks > MAX_CACHE_CHUNKS) {
                throw new PluginConfigException("hfTokenizerFile.cacheChunks", "hfTokenizerFile.cacheChunks must be"
                        + " between 0 and " + MAX_CACHE_CHUNKS + ", got " + cacheChunks);
            }
            if (chunkChars == null) {
                chunkChars = DEFAULT_CHUNK_CHARS;
            }
            if (chunkChars < 16 || chunkChars > MAX_CHUNK_CHARS) {
                throw new PluginConfigException("hfTokenizerFile.chunkChars", "hfTokenizerFile.chunkChars must be"
                        + " between 16 and " + MAX_CHUNK_CHARS + ", got " + chunkChars);
            }
            if (maxPromptChars == null) {
                maxPromptChars = DEFAULT_MAX_PROMPT_CHARS;
            }
            if (maxPromptChars < 1024 || maxPromptChars > MAX_MAX_PROMPT_CHARS) {
                throw new PluginConfigException("hfTokenizerFile.maxPromptChars", "hfTokenizerFile.maxPromptChars"
                        + " must be between 1024 and " + MAX_MAX_PROMPT_CHARS + ", got " + maxPromptChars);
            }
        }
    }

    private final TypedName typedName;
    private final Params params;
    /** Null for the estimate backend. */
    private final PrefixTokenCache cache;
    private final int[] leading;
    private final int[] trailing;
    private final int maxPromptChars;
    /** Where local tokenization is offloaded, or null to tokenize inline. */
    private final Vertx vertx;
    private final AtomicInteger offloaded = new AtomicInteger();

    private RuntimeTokenProducer(String name, Params params, PrefixTokenCache cache, int[] leading,
            int[] trailing, Vertx vertx) {
        this.vertx = vertx;
        this.maxPromptChars = params.hfTokenizerFile() == null ? 0 : params.hfTokenizerFile().maxPromptChars();
        this.typedName = new TypedName(TYPE, name);
        this.params = params;
        this.cache = cache;
        this.leading = leading;
        this.trailing = trailing;
    }

    /**
     * Replaces the engine's {@code token-producer} factory (and its deprecated alias) with this one.
     *
     * @param transport Vert.x and the meters, for the {@code vllm} backend
     */
    public static void install(PluginRegistry registry, RenderTransport transport) {
        registry.replaceFactory(TYPE, factory(transport));
    }

    /** @param transport for the {@code vllm} backend; null refuses it */
    static PluginFactory factory(RenderTransport transport) {
        return (name, parameters, handle) -> {
            Params params = Parameters.decode(parameters, Params.class);
            return params.vllm() != null ? render(name, params, transport)
                    : create(name, params, transport == null ? null : transport.vertx());
        };
    }

    static RenderTokenProducer render(String name, Params params, RenderTransport transport) {
        if (transport == null) {
            throw new PluginConfigException("vllm", "the vllm tokenizer backend needs the runtime's Vert.x, which"
                    + " this factory was built without");
        }
        VllmParams vllm = params.vllm();
        RenderClient client = new RenderClient(transport.vertx(),
                transport.client(new RenderTransport.ClientKey(vllm.insecureSkipVerify(), vllm.caCertPath(),
                        Math.min(vllm.maxInFlight(), MAX_RENDER_CONNECTIONS))),
                vllm.renderUrl(), vllm.maxInFlight(), new RenderMetrics(transport.meters(), name));
        LOG.infof("token-producer %s: vllm backend, render server %s (timeout %s, mmTimeout %s)", name,
                vllm.renderUrl(), vllm.timeout(), vllm.mmTimeout());
        return new RenderTokenProducer(new TypedName(TYPE, name), params, client);
    }

    /** @param vertx where local tokenization is offloaded from an event loop, or null to run it inline */
    static RuntimeTokenProducer create(String name, Params params, Vertx vertx) {
        HfParams hf = params.hfTokenizerFile();
        if (hf == null) {
            return new RuntimeTokenProducer(name, params, null, null, null, null);
        }
        HfTokenizerFile tokenizer;
        try {
            tokenizer = HfTokenizerFile.shared(Path.of(hf.path()));
        } catch (IOException | RuntimeException e) {
            throw new PluginConfigException("hfTokenizerFile.path", "hfTokenizerFile.path: cannot load tokenizer " + hf.path() + ": "
                    + e.getMessage());
        } catch (LinkageError e) {
            // DJL is an optional dependency of the extension: without it the class is missing here, not at boot.
            throw new PluginConfigException("hfTokenizerFile", "hfTokenizerFile needs the dependency"
                    + " ai.djl.huggingface:tokenizers:0.38.0 in the application (" + e + ")");
        }
        int chunks = hf.cacheChunks();
        if (chunks > 0 && !PrefixTokenCache.splitsAtWhitespace(tokenizer)) {
            LOG.warnf("token-producer %s: tokenizer %s does not tokenize text cut at whitespace like the whole"
                    + " (a SentencePiece word marker, say); prefix tokenization cache disabled", name, hf.path());
            chunks = 0;
        }
        boolean specials = hf.addSpecialTokens();
        return new RuntimeTokenProducer(name, params, new PrefixTokenCache(tokenizer, chunks, hf.chunkChars()),
                specials ? tokenizer.leadingSpecials() : new int[0],
                specials ? tokenizer.trailingSpecials() : new int[0], vertx);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public Params params() {
        return params;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return PRODUCES;
    }

    /** Only a local tokenizer that can be offloaded is worth a preparation step; the estimate costs microseconds. */
    @Override
    public boolean needsPreparation() {
        return cache != null && vertx != null;
    }

    @Override
    public DataKey<TokenizedPrompt> preparedKey() {
        return TokenizedPrompt.KEY;
    }

    /**
     * Tokenizes on a worker thread when called on an event loop with a local tokenizer (the stage completes back on
     * the caller's context), inline otherwise: the estimate and token-id prompts cost microseconds, and a caller off
     * the event loop (the cluster simulator, a test) may as well wait.
     */
    @Override
    public CompletionStage<TokenizedPrompt> prepare(InferenceRequest request, byte[] body) {
        if (cache == null || vertx == null || !Context.isOnEventLoopThread() || isTokenIds(request)) {
            return CompletableFuture.completedFuture(tokenize(request));
        }
        if (offloaded.incrementAndGet() > MAX_OFFLOADED) {
            // the workers are busy with other prompts: waiting behind them would not be faster than doing it here
            offloaded.decrementAndGet();
            return CompletableFuture.completedFuture(tokenize(request));
        }
        return vertx.executeBlocking(() -> {
            try {
                return tokenize(request);
            } finally {
                offloaded.decrementAndGet();
            }
        }, false).toCompletionStage();
    }

    /** What was prepared stays; a cycle nobody prepared (a saturation probe, a direct caller) tokenizes here. */
    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        if (context.get(TokenizedPrompt.KEY) == null) {
            context.put(TokenizedPrompt.KEY, tokenize(context.request()));
        }
    }

    private static boolean isTokenIds(InferenceRequest request) {
        return request.body() instanceof RequestBody.Completions c && c.prompt() instanceof PromptInput.TokenIds;
    }

    /** The request's prompt tokens under the configured backend. */
    public TokenizedPrompt tokenize(InferenceRequest request) {
        if (cache == null) {
            return TokenizedPrompt.estimate(request);
        }
        if (request.body() instanceof RequestBody.Completions c && c.prompt() instanceof PromptInput.TokenIds ids) {
            return new TokenizedPrompt(ids.ids(), false);
        }
        String text = new String(request.prefixInput(), StandardCharsets.UTF_8);
        String head = head(text, maxPromptChars);
        int[] body = cache.tokenize(head);
        // A cut prompt does not end here: what the post-processor appends at the end (EOS, SEP) is left off.
        int[] tail = head.length() == text.length() ? trailing : new int[0];
        if (leading.length == 0 && tail.length == 0) {
            return new TokenizedPrompt(body, false);
        }
        int[] ids = new int[leading.length + body.length + tail.length];
        System.arraycopy(leading, 0, ids, 0, leading.length);
        System.arraycopy(body, 0, ids, leading.length, body.length);
        System.arraycopy(tail, 0, ids, leading.length + body.length, tail.length);
        return new TokenizedPrompt(ids, false);
    }

    /**
     * The first {@code max} characters of {@code text}, cut back to just before a whitespace that follows a word
     * (where tokens end, so the head's tokens are the whole text's first tokens), or at {@code max} when no such
     * place exists (never between the two halves of a surrogate pair).
     */
    static String head(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        for (int i = max; i > max / 2; i--) {
            if (Character.isWhitespace(text.charAt(i)) && !Character.isWhitespace(text.charAt(i - 1))) {
                return text.substring(0, i);
            }
        }
        return text.substring(0, Character.isLowSurrogate(text.charAt(max)) ? max - 1 : max);
    }

    /** The prefix cache, or null for the estimate backend. */
    PrefixTokenCache cache() {
        return cache;
    }
}
