package io.quarkiverse.llmd.benchmarks.demo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.DecisionTrace;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.WeightedScorer;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * The main job until the gateway exists: loads an EndpointPickerConfig (llm-d's default unless {@code --config}),
 * builds sample endpoints with live-looking metrics, and prints the scheduler's decision for sample requests with
 * every scorer's score. Requests that were placed add load to their endpoint and feed the prefix index, so the
 * sequence shows prefix affinity and load balancing at work.
 */
public final class SchedulingDemo {

    private static final String SYSTEM_A = "You are a support assistant for ACME Cloud. ".repeat(40);
    private static final String SYSTEM_B = "You translate technical documentation from English to French. ".repeat(40);

    private SchedulingDemo() {
    }

    public static void main(String[] args) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else {
                System.err.println("usage: llmd-demo [--config endpoint-picker-config.yaml]");
                System.exit(2);
            }
        }
        EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(BuiltInPlugins.registry());
        EndpointPickerConfigLoader.Loaded loaded;
        try {
            loaded = configFile == null ? loader.loadDefault() : loader.load(configFile);
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        loaded.warnings().forEach(w -> System.out.println("warning: " + w));
        new SchedulingDemo().run(loaded.scheduler(), configFile == null ? "llm-d default" : configFile.toString());
    }

    private void run(Scheduler scheduler, String configName) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Map<String, Endpoint> pool = new LinkedHashMap<>();
        String[][] specs = { { "vllm-h100-0", "10.0.0.10", "H100", "decode" }, { "vllm-h100-1", "10.0.0.11", "H100", "decode" },
            { "vllm-h100-2", "10.0.0.12", "H100", "prefill" }, { "vllm-l4-0", "10.0.1.10", "L4", "decode" },
            { "vllm-l4-1", "10.0.1.11", "L4", "decode" }, { "vllm-l4-2", "10.0.1.12", "L4", "prefill" } };
        int[] waiting = { 1, 0, 0, 2, 0, 1 };
        double[] kv = { 0.35, 0.20, 0.10, 0.60, 0.45, 0.30 };
        for (int i = 0; i < specs.length; i++) {
            Endpoint e = new Endpoint("default/" + specs[i][0] + "-rank-0", specs[i][1] + ":8000",
                    Map.of("gpu-class", specs[i][2], Endpoint.ROLE_LABEL, specs[i][3]),
                    new EndpointMetrics(waiting[i], 2, kv[i], java.util.Set.of(), java.util.Set.of(), 4, 16,
                            specs[i][2].equals("H100") ? 19_000 : 2_200, now));
            pool.put(e.name(), e);
        }
        System.out.println("quarkus-llmd scheduling demo - config: " + configName);
        System.out.println("profiles: " + scheduler.profiles().keySet() + ", plugins: " + scheduler.plugins().keySet());
        System.out.println();
        printPool(pool);

        OpenAiRequestParser parser = new OpenAiRequestParser();
        List<String[]> requests = List.of(
                new String[] { "/v1/chat/completions", chat("llama-3-8b", SYSTEM_A, "How do I rotate my API keys?") },
                new String[] { "/v1/chat/completions", chat("llama-3-8b", SYSTEM_A, "Why was my invoice higher this month?") },
                new String[] { "/v1/chat/completions", chat("llama-3-8b", SYSTEM_B, "Translate: the pod is not ready.") },
                new String[] { "/v1/completions", "{\"model\":\"llama-3-8b\",\"prompt\":\"Say hello\",\"max_tokens\":8}" },
                new String[] { "/v1/chat/completions", chat("llama-3-8b", SYSTEM_A, "Can I get a refund?") },
                new String[] { "/v1/chat/completions", "{\"model\":\"llama-3-8b\",\"messages\":[]}" });
        SplittableRandom random = new SplittableRandom(7);
        int n = 0;
        for (String[] r : requests) {
            n++;
            InferenceRequest request;
            try {
                request = parser.parse(r[0], Map.of("x-request-id", "demo-" + n), r[1].getBytes(StandardCharsets.UTF_8));
            } catch (InvalidRequestException e) {
                System.out.printf("#%d %s -> HTTP %d: %s%n%n", n, r[0], e.httpStatus(), e.getMessage());
                continue;
            }
            System.out.printf("#%d %s model=%s prompt=%d bytes (~%d tokens)%n", n, r[0], request.model(),
                    request.prefixInput().length, request.estimatedInputTokens());
            Table table = new Table();
            SchedulingContext context = new SchedulingContext(request, now, random).trace(table);
            SchedulingResult result = scheduler.schedule(context, List.copyOf(pool.values()));
            table.print();
            if (!result.succeeded()) {
                System.out.println("   -> HTTP 429: no endpoint left after filtering");
                System.out.println();
                continue;
            }
            scheduler.preRequest(context, result);
            Endpoint chosen = result.primary().primary();
            System.out.printf("   -> %s (%s), total score %.2f, profile %s%s%n%n", chosen.name(), chosen.address(),
                    result.primary().targets().get(0).score(), result.primaryProfileName(), context.addedHeaders().isEmpty() ? "" : ", headers " + context.addedHeaders());
            // the chosen endpoint now has one more request waiting, so the next decisions see the load
            EndpointMetrics m = chosen.metrics();
            pool.put(chosen.name(), chosen.withMetrics(new EndpointMetrics(m.waitingQueueSize() + 1,
                    m.runningRequestsSize(), Math.min(1.0, m.kvCacheUsage() + 0.05), m.activeModels(), m.waitingModels(),
                    m.maxActiveModels(), m.cacheBlockSize(), m.cacheNumBlocks(), now)));
            scheduler.responseComplete(context, chosen, ResponseOutcome.succeeded(request.estimatedInputTokens(), 16, 0));
        }
    }

    private static String chat(String model, String system, String question) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"" + system
                + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}],\"max_tokens\":64}";
    }

    private static void printPool(Map<String, Endpoint> pool) {
        System.out.println("endpoints:");
        for (Endpoint e : pool.values()) {
            EndpointMetrics m = e.metrics();
            System.out.printf("  %-26s %-14s %-5s role=%-8s waiting=%d kv=%.2f%n", e.name(), e.address(),
                    e.labels().get("gpu-class"), e.role(), m.waitingQueueSize(), m.kvCacheUsage());
        }
        System.out.println();
    }

    /** Collects per-scorer scores through the decision trace and prints them as a table. */
    private static final class Table implements DecisionTrace {

        private final List<String> lines = new ArrayList<>();

        @Override
        public void filtered(SchedulerProfile profile, Filter filter, List<Endpoint> before, List<Endpoint> kept) {
            lines.add(String.format("   [%s] filter %s kept %d of %d", profile.name(), filter.typedName(), kept.size(),
                    before.size()));
        }

        @Override
        public void scored(SchedulerProfile profile, WeightedScorer scorer, List<Endpoint> endpoints, double[] scores) {
            StringBuilder sb = new StringBuilder(String.format("   [%s] %-28s w=%-4s", profile.name(),
                    scorer.scorer().typedName(), trim(scorer.weight())));
            for (int i = 0; i < endpoints.size(); i++) {
                String name = endpoints.get(i).name();
                sb.append(String.format(" %s=%.2f", name.substring(name.indexOf('/') + 1, name.indexOf("-rank")),
                        scores[i]));
            }
            lines.add(sb.toString());
        }

        void print() {
            lines.forEach(System.out::println);
        }

        private static String trim(double w) {
            return w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w);
        }
    }
}
