package io.quarkiverse.llmd.benchmarks.workload;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads an inference-perf configuration strictly: unknown fields, wrong types and unsupported values are errors that
 * name the file and the field. Supported (reference benchmarks.md 10.1):
 * <ul>
 * <li>{@code api: {type: chat|completion, streaming}};</li>
 * <li>{@code server: {type, model_name, base_url, ignore_eos}} (only {@code model_name} matters here);</li>
 * <li>{@code data.type: shared_prefix} with {@code data.shared_prefix: {num_groups (alias num_unique_system_prompts),
 * num_prompts_per_group (alias num_users_per_system_prompt), system_prompt_len, question_len, output_len,
 * enable_multi_turn_chat}} and the legacy {@code question_distribution} / {@code output_distribution};</li>
 * <li>{@code data.type: random} with {@code data.input_distribution} and {@code data.output_distribution};</li>
 * <li>{@code load: {type: poisson|constant, stages: [{rate, duration}], request_timeout, num_workers,
 * worker_max_concurrency}}: with both of the last two, the client keeps at most their product in flight.</li>
 * </ul>
 * Lengths are integers or {@code {min, max, mean, std_dev}}. Sections that only concern a live run
 * ({@code tokenizer}, {@code report}, {@code storage}, {@code metrics}, {@code interval} and
 * {@code worker_max_tcp_connections} of {@code load}) are
 * accepted and ignored.
 */
public final class WorkloadParser {

    private static final Set<String> TOP = Set.of("api", "server", "data", "load", "tokenizer", "report", "storage",
            "metrics");
    private static final Set<String> API = Set.of("type", "streaming", "headers");
    private static final Set<String> SERVER = Set.of("type", "model_name", "base_url", "ignore_eos", "api_key");
    private static final Set<String> DATA = Set.of("type", "shared_prefix", "input_distribution",
            "output_distribution", "path");
    private static final Set<String> SHARED = Set.of("num_groups", "num_unique_system_prompts",
            "num_prompts_per_group", "num_users_per_system_prompt", "system_prompt_len", "question_len", "output_len",
            "question_distribution", "output_distribution", "enable_multi_turn_chat", "seed");
    private static final Set<String> LOAD = Set.of("type", "stages", "request_timeout", "interval", "num_workers",
            "worker_max_concurrency", "worker_max_tcp_connections");
    private static final Set<String> STAGE = Set.of("rate", "duration");

    private WorkloadParser() {
    }

    public static WorkloadSpec parse(Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return parse(name, file.toString(), Yaml.read(file));
    }

    public static WorkloadSpec parse(String name, String text) {
        return parse(name, name, Yaml.parse(name, text));
    }

    private static WorkloadSpec parse(String name, String source, JsonNode root) {
        Yaml y = new Yaml(source);
        y.onlyKeys(root, "(top level)", TOP);
        boolean chat = true;
        JsonNode api = y.object(root, "api", "");
        if (api != null) {
            y.onlyKeys(api, "api", API);
            String type = y.string(api, "type", "api", "chat");
            if (!type.equals("chat") && !type.equals("completion")) {
                throw y.error("api.type", "must be chat or completion, got '" + type + "'");
            }
            chat = type.equals("chat");
            y.bool(api, "streaming", "api", true);
        }
        String model = "sim-model";
        boolean ignoreEos = true;
        JsonNode server = y.object(root, "server", "");
        if (server != null) {
            y.onlyKeys(server, "server", SERVER);
            model = y.string(server, "model_name", "server", model);
            ignoreEos = y.bool(server, "ignore_eos", "server", true);
        }
        JsonNode data = y.object(root, "data", "");
        if (data == null) {
            throw y.error("data", "is required");
        }
        JsonNode load = y.object(root, "load", "");
        if (load == null) {
            throw y.error("load", "is required");
        }
        return new WorkloadSpec(name, model, chat, ignoreEos, data(y, data), load(y, load));
    }

    private static WorkloadSpec.Data data(Yaml y, JsonNode data) {
        y.onlyKeys(data, "data", DATA);
        String type = y.string(data, "type", "data", null);
        if (type == null) {
            throw y.error("data.type", "is required (shared_prefix or random)");
        }
        switch (type) {
            case "shared_prefix" -> {
                for (String k : List.of("input_distribution", "output_distribution", "path")) {
                    if (data.has(k)) {
                        throw y.error("data." + k, "is not used by data.type shared_prefix; put the lengths under"
                                + " data.shared_prefix");
                    }
                }
                JsonNode sp = y.object(data, "shared_prefix", "data");
                if (sp == null) {
                    throw y.error("data.shared_prefix", "is required when data.type is shared_prefix");
                }
                String p = "data.shared_prefix";
                y.onlyKeys(sp, p, SHARED);
                int groups = aliased(y, sp, p, "num_groups", "num_unique_system_prompts", 10);
                int perGroup = aliased(y, sp, p, "num_prompts_per_group", "num_users_per_system_prompt", 10);
                Distribution system = y.distribution(sp, "system_prompt_len", p, 100);
                Distribution question = sp.has("question_distribution") && !sp.has("question_len")
                        ? y.distribution(sp, "question_distribution", p, null)
                        : y.distribution(sp, "question_len", p, 50);
                Distribution output = sp.has("output_distribution") && !sp.has("output_len")
                        ? y.distribution(sp, "output_distribution", p, null)
                        : y.distribution(sp, "output_len", p, 50);
                if (sp.has("question_distribution") && sp.has("question_len")) {
                    throw y.error(p, "give question_len or question_distribution, not both");
                }
                if (sp.has("output_distribution") && sp.has("output_len")) {
                    throw y.error(p, "give output_len or output_distribution, not both");
                }
                boolean multiTurn = y.bool(sp, "enable_multi_turn_chat", p, false);
                return new WorkloadSpec.SharedPrefix(groups, perGroup, system, question, output, multiTurn);
            }
            case "random" -> {
                if (data.has("shared_prefix")) {
                    throw y.error("data.shared_prefix", "is only used with data.type shared_prefix");
                }
                if (data.has("path")) {
                    throw y.error("data.path", "is not used by data.type random");
                }
                return new WorkloadSpec.RandomData(y.distribution(data, "input_distribution", "data", null),
                        y.distribution(data, "output_distribution", "data", null));
            }
            default -> throw y.error("data.type", "'" + type + "' is not supported by the cluster simulator"
                    + " (supported: shared_prefix, random)");
        }
    }

    private static int aliased(Yaml y, JsonNode node, String path, String key, String alias, int def) {
        if (node.has(key) && node.has(alias)) {
            throw y.error(path, "give " + key + " or its alias " + alias + ", not both");
        }
        return y.integer(node, node.has(alias) ? alias : key, path, def, 1);
    }

    private static WorkloadSpec.Load load(Yaml y, JsonNode load) {
        y.onlyKeys(load, "load", LOAD);
        String type = y.string(load, "type", "load", "constant");
        if (!type.equals("poisson") && !type.equals("constant")) {
            throw y.error("load.type", "must be poisson or constant, got '" + type + "'");
        }
        JsonNode stages = load.get("stages");
        if (stages == null || !stages.isArray() || stages.isEmpty()) {
            throw y.error("load.stages", "is required: a non-empty list of {rate, duration}");
        }
        List<WorkloadSpec.Stage> out = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            String p = "load.stages[" + i + "]";
            JsonNode s = stages.get(i);
            y.onlyKeys(s, p, STAGE);
            if (!s.has("rate") && s.has("concurrency_level")) {
                throw y.error(p, "concurrency stages are not supported; give rate and duration");
            }
            out.add(new WorkloadSpec.Stage(y.number(s, "rate", p, null, 0, true),
                    y.number(s, "duration", p, null, 0, true)));
        }
        double timeout = y.number(load, "request_timeout", "load", 0.0, 0, false);
        int concurrency = 0;
        if (load.has("worker_max_concurrency")) {
            if (!load.has("num_workers")) {
                throw y.error("load.worker_max_concurrency", "needs load.num_workers too (inference-perf's default is"
                        + " the load generator's CPU count, which would make the simulation machine-dependent)");
            }
            long cap = (long) y.integer(load, "num_workers", "load", null, 1)
                    * y.integer(load, "worker_max_concurrency", "load", null, 1);
            concurrency = (int) Math.min(Integer.MAX_VALUE, cap);
        } else if (load.has("num_workers")) {
            y.integer(load, "num_workers", "load", null, 1);
        }
        return new WorkloadSpec.Load(type.equals("poisson"), List.copyOf(out), timeout, concurrency);
    }
}
