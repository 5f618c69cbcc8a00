package io.quarkiverse.llmd.simulator.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The vLLM v1 Prometheus metrics of one simulated pod (kvcache-and-sim.md B2.5), with vLLM's names, labels
 * ({@code model_name}, {@code engine="0"}, {@code finished_reason}) and bucket bounds. Writers are the engine
 * driver thread and the HTTP handlers; the scrape renders a consistent-enough snapshot without locks.
 */
public final class VllmMetrics {

    static final double[] TTFT_BUCKETS = { 0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5,
            7.5, 10, 20, 40, 80, 160, 640, 2560 };
    static final double[] ITL_BUCKETS = { 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5,
            10, 20, 40, 80 };
    static final double[] E2E_BUCKETS = { 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480,
            960, 1920, 7680 };

    /** Live values read at scrape time. */
    public interface Gauges {
        int running();

        int waiting();

        double kvCacheUsage();

        String runningLoras();

        String waitingLoras();
    }

    private final String labels;
    private final String cacheConfigLabels;
    private final int maxLoras;
    private final Supplier<Gauges> gauges;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generationTokens = new AtomicLong();
    private final AtomicLong prefixQueries = new AtomicLong();
    private final AtomicLong prefixHits = new AtomicLong();
    private final AtomicLong preemptions = new AtomicLong();
    private final Map<String, AtomicLong> success = new ConcurrentHashMap<>();
    private final Histogram ttft = new Histogram(TTFT_BUCKETS);
    private final Histogram itl = new Histogram(ITL_BUCKETS);
    private final Histogram e2e = new Histogram(E2E_BUCKETS);

    public VllmMetrics(String model, int blockSize, int numGpuBlocks, boolean prefixCaching, int maxLoras,
            Supplier<Gauges> gauges) {
        this.labels = "engine=\"0\",model_name=\"" + escape(model) + "\"";
        this.cacheConfigLabels = "block_size=\"" + blockSize + "\",cache_dtype=\"auto\",enable_prefix_caching=\""
                + (prefixCaching ? "True" : "False") + "\",engine=\"0\",gpu_memory_utilization=\"0.9\","
                + "num_cpu_blocks=\"0\",num_gpu_blocks=\"" + numGpuBlocks + "\",prefix_caching_hash_algo=\"sim64\"";
        this.maxLoras = maxLoras;
        this.gauges = gauges;
        for (String reason : new String[] { "stop", "length", "abort" }) {
            success.put(reason, new AtomicLong());
        }
    }

    public void promptTokens(long n) {
        promptTokens.addAndGet(n);
    }

    public void generationTokens(long n) {
        generationTokens.addAndGet(n);
    }

    public void prefixCache(long queried, long hit) {
        prefixQueries.addAndGet(queried);
        prefixHits.addAndGet(hit);
    }

    public void preemptions(long n) {
        preemptions.addAndGet(n);
    }

    public void finished(String reason) {
        success.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
    }

    public void ttft(double seconds) {
        ttft.observe(seconds);
    }

    public void interTokenLatency(double seconds) {
        itl.observe(seconds);
    }

    public void e2e(double seconds) {
        e2e.observe(seconds);
    }

    public long preemptionCount() {
        return preemptions.get();
    }

    /** The Prometheus text exposition (version 0.0.4). */
    public String render() {
        Gauges g = gauges.get();
        StringBuilder sb = new StringBuilder(16 * 1024);
        gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.", g.running());
        gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", g.waiting());
        gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", g.kvCacheUsage());
        gauge(sb, "vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage (deprecated name).",
                g.kvCacheUsage());
        counter(sb, "vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.",
                prefixQueries.get());
        counter(sb, "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.",
                prefixHits.get());
        counter(sb, "vllm:num_preemptions", "Cumulative number of preemption from the engine.", preemptions.get());
        counter(sb, "vllm:prompt_tokens", "Number of prefill tokens processed.", promptTokens.get());
        counter(sb, "vllm:generation_tokens", "Number of generation tokens processed.", generationTokens.get());
        header(sb, "vllm:request_success_total", "Count of successfully processed requests.", "counter");
        success.forEach((reason, n) -> sb.append("vllm:request_success_total{").append(labels)
                .append(",finished_reason=\"").append(escape(reason)).append("\"} ").append(n.get()).append('\n'));
        histogram(sb, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttft);
        histogram(sb, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", itl);
        histogram(sb, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2e);
        header(sb, "vllm:lora_requests_info", "Running stats on lora requests.", "gauge");
        sb.append("vllm:lora_requests_info{max_lora=\"").append(maxLoras).append("\",running_lora_adapters=\"")
                .append(escape(g.runningLoras())).append("\",waiting_lora_adapters=\"")
                .append(escape(g.waitingLoras())).append("\"} ").append(System.currentTimeMillis() / 1000.0)
                .append('\n');
        header(sb, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
        sb.append("vllm:cache_config_info{").append(cacheConfigLabels).append("} 1.0\n");
        return sb.toString();
    }

    private void gauge(StringBuilder sb, String name, String help, double value) {
        header(sb, name, help, "gauge");
        sb.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private void counter(StringBuilder sb, String name, String help, long value) {
        header(sb, name + "_total", help, "counter");
        sb.append(name).append("_total{").append(labels).append("} ").append(value).append('\n');
    }

    private void histogram(StringBuilder sb, String name, String help, Histogram h) {
        header(sb, name, help, "histogram");
        h.render(sb, name, labels);
    }

    private static void header(StringBuilder sb, String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
