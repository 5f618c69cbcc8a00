package io.quarkiverse.llmd.simulator.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of a simulated fleet: every pod gets the same settings and pod {@code i} listens on
 * {@code port + i}. Build with {@link #builder(String)}.
 *
 * @param model served model name (also seeds block hashes)
 * @param hardware step-time and KV-capacity profile (already carrying any override)
 * @param replicas number of pods
 * @param host address to bind
 * @param advertisedHost host reported in P/D {@code kv_transfer_params.remote_host}
 * @param port port of pod 0 (0 = pick free ports)
 * @param maxModelLen context window; prompt + max_tokens above it is a 400
 * @param maxNumSeqs running sequences per step
 * @param maxNumBatchedTokens tokens per step (chunked prefill budget)
 * @param maxWaitingQueueLength waiting requests beyond this get 429
 * @param enablePrefixCaching reuse cached prompt blocks
 * @param timeScale 10 = simulated time runs ten times faster than the wall clock
 * @param kvTransferSecondsPerToken P/D: decode side waits this per prompt token for the KV transfer
 * @param loraModules LoRA adapters served from the start
 * @param maxLoras reported in vllm:lora_requests_info
 * @param seed seed of output text and lengths
 * @param eosProbability chance that a request without ignore_eos stops before max_tokens
 * @param defaultMaxTokens mean output length when the request has no max_tokens
 * @param maxBodyBytes larger request bodies get 413
 * @param kvEventsPort base ZMQ port for KV events (pod i: +i); 0 = no KV events
 * @param failures failure injection
 * @param tokenizer a HuggingFace {@code tokenizer.json} (or a directory holding one) whose token ids the pods use;
 *        null = the built-in tokenizer. Needs {@code ai.djl.huggingface:tokenizers} on the classpath
 */
public record SimulatorConfig(String model, HardwareProfile hardware, int replicas, String host,
        String advertisedHost, int port, int maxModelLen, int maxNumSeqs, int maxNumBatchedTokens,
        int maxWaitingQueueLength, boolean enablePrefixCaching, double timeScale, double kvTransferSecondsPerToken,
        List<String> loraModules, int maxLoras, long seed, double eosProbability, int defaultMaxTokens,
        int maxBodyBytes, int kvEventsPort, FailureConfig failures, Path tokenizer) {

    public SimulatorConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(hardware, "hardware");
        loraModules = List.copyOf(loraModules);
        require(replicas >= 1, "replicas must be >= 1");
        require(port >= 0 && port + replicas - 1 <= 65535, "port out of range");
        require(maxModelLen >= 2, "max-model-len must be >= 2");
        require(maxNumSeqs >= 1, "max-num-seqs must be >= 1");
        require(maxNumBatchedTokens >= 1, "max-num-batched-tokens must be >= 1");
        require(maxWaitingQueueLength >= 0, "max-waiting-queue-length must be >= 0");
        require(timeScale > 0 && Double.isFinite(timeScale), "time-scale must be > 0");
        require(kvTransferSecondsPerToken >= 0, "kv-transfer-time-per-token must be >= 0");
        require(eosProbability >= 0 && eosProbability <= 1, "eos-probability must be in [0,1]");
        require(defaultMaxTokens >= 1, "default-max-tokens must be >= 1");
        require(maxBodyBytes >= 1024, "max-body-bytes must be >= 1024");
        require(kvEventsPort >= 0 && kvEventsPort <= 65535, "kv-events-port out of range");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder(String model) {
        return new Builder(model);
    }

    public Builder toBuilder() {
        Builder b = new Builder(model);
        b.hardware = hardware;
        b.replicas = replicas;
        b.host = host;
        b.advertisedHost = advertisedHost;
        b.port = port;
        b.maxModelLen = maxModelLen;
        b.maxNumSeqs = maxNumSeqs;
        b.maxNumBatchedTokens = maxNumBatchedTokens;
        b.maxWaitingQueueLength = maxWaitingQueueLength;
        b.enablePrefixCaching = enablePrefixCaching;
        b.timeScale = timeScale;
        b.kvTransferSecondsPerToken = kvTransferSecondsPerToken;
        b.loraModules = loraModules;
        b.maxLoras = maxLoras;
        b.seed = seed;
        b.eosProbability = eosProbability;
        b.defaultMaxTokens = defaultMaxTokens;
        b.maxBodyBytes = maxBodyBytes;
        b.kvEventsPort = kvEventsPort;
        b.failures = failures;
        b.tokenizer = tokenizer;
        return b;
    }

    /** Mutable builder with vLLM-like defaults (H100 llama-8b profile, 256 seqs, 8192 batched tokens). */
    public static final class Builder {
        String model;
        HardwareProfile hardware = HardwareProfile.H100_LLAMA_8B;
        int replicas = 1;
        String host = "127.0.0.1";
        String advertisedHost;
        int port = 8000;
        int maxModelLen = 16384;
        int maxNumSeqs = 256;
        int maxNumBatchedTokens = 8192;
        int maxWaitingQueueLength = 1000;
        boolean enablePrefixCaching = true;
        double timeScale = 1.0;
        double kvTransferSecondsPerToken = 5e-6;
        List<String> loraModules = List.of();
        int maxLoras = 4;
        long seed = 42;
        double eosProbability = 0.2;
        int defaultMaxTokens = 128;
        int maxBodyBytes = 4 * 1024 * 1024;
        int kvEventsPort;
        FailureConfig failures = FailureConfig.NONE;
        Path tokenizer;

        Builder(String model) {
            this.model = model;
        }

        public Builder model(String v) { model = v; return this; }
        public Builder hardware(HardwareProfile v) { hardware = v; return this; }
        public Builder replicas(int v) { replicas = v; return this; }
        public Builder host(String v) { host = v; return this; }
        public Builder advertisedHost(String v) { advertisedHost = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder maxModelLen(int v) { maxModelLen = v; return this; }
        public Builder maxNumSeqs(int v) { maxNumSeqs = v; return this; }
        public Builder maxNumBatchedTokens(int v) { maxNumBatchedTokens = v; return this; }
        public Builder maxWaitingQueueLength(int v) { maxWaitingQueueLength = v; return this; }
        public Builder enablePrefixCaching(boolean v) { enablePrefixCaching = v; return this; }
        public Builder timeScale(double v) { timeScale = v; return this; }
        public Builder kvTransferSecondsPerToken(double v) { kvTransferSecondsPerToken = v; return this; }
        public Builder loraModules(List<String> v) { loraModules = v; return this; }
        public Builder maxLoras(int v) { maxLoras = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder eosProbability(double v) { eosProbability = v; return this; }
        public Builder defaultMaxTokens(int v) { defaultMaxTokens = v; return this; }
        public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
        public Builder kvEventsPort(int v) { kvEventsPort = v; return this; }
        public Builder failures(FailureConfig v) { failures = v; return this; }
        /** A HuggingFace {@code tokenizer.json} for real token ids; null = built-in tokenizer. */
        public Builder tokenizer(Path v) { tokenizer = v; return this; }

        public SimulatorConfig build() {
            return new SimulatorConfig(model, hardware, replicas, host, advertisedHost == null ? host : advertisedHost,
                    port, maxModelLen, maxNumSeqs, maxNumBatchedTokens, maxWaitingQueueLength, enablePrefixCaching,
                    timeScale, kvTransferSecondsPerToken, loraModules, maxLoras, seed, eosProbability,
                    defaultMaxTokens, maxBodyBytes, kvEventsPort, failures, tokenizer);
        }
    }
}
