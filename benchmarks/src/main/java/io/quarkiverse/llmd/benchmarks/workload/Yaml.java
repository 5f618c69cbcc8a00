package io.quarkiverse.llmd.benchmarks.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Strict reading helpers shared by the workload and cluster parsers: every error names the file and the path. */
final class Yaml {

    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());

    private final String source;

    Yaml(String source) {
        this.source = source;
    }

    static JsonNode read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new WorkloadException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    static JsonNode parse(String source, String text) {
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw new WorkloadException(source + ": empty document");
            }
            if (!root.isObject()) {
                throw new WorkloadException(source + ": the document must be a mapping");
            }
            return root;
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new WorkloadException(source + ": invalid YAML: " + msg);
        }
    }

    WorkloadException error(String path, String message) {
        return new WorkloadException(source + ": " + path + ": " + message);
    }

    void onlyKeys(JsonNode node, String path, Set<String> allowed) {
        if (!node.isObject()) {
            throw error(path, "must be a mapping");
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!allowed.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw error(path, "unknown field" + (unknown.size() > 1 ? "s " : " ") + unknown + ", allowed: "
                    + allowed.stream().sorted().toList());
        }
    }

    JsonNode object(JsonNode parent, String key, String path) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw error(path + "." + key, "must be a mapping");
        }
        return n;
    }

    String string(JsonNode parent, String key, String path, String def) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isTextual()) {
            throw error(path + "." + key, "must be a string, got " + n);
        }
        return n.asText();
    }

    boolean bool(JsonNode parent, String key, String path, boolean def) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return def;
        }
        if (!n.isBoolean()) {
            throw error(path + "." + key, "must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    int integer(JsonNode parent, String key, String path, Integer def, int min) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            if (def == null) {
                throw error(path + "." + key, "is required");
            }
            return def;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(path + "." + key, "must be an integer, got " + n);
        }
        int v = n.asInt();
        if (v < min) {
            throw error(path + "." + key, "must be >= " + min + ", got " + v);
        }
        return v;
    }

    double number(JsonNode parent, String key, String path, Double def, double min, boolean exclusive) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            if (def == null) {
                throw error(path + "." + key, "is required");
            }
            return def;
        }
        if (!n.isNumber()) {
            throw error(path + "." + key, "must be a number, got " + n);
        }
        double v = n.asDouble();
        if (exclusive ? v <= min : v < min) {
            throw error(path + "." + key, "must be " + (exclusive ? "> " : ">= ") + min + ", got " + v);
        }
        return v;
    }

    /** A length: an integer, or {@code {min, max, mean, std_dev}} (inference-perf's distribution). */
    Distribution distribution(JsonNode parent, String key, String path, Integer def) {
        JsonNode n = parent.get(key);
        String p = path + "." + key;
        if (n == null || n.isNull()) {
            if (def == null) {
                throw error(p, "is required");
            }
            return Distribution.fixed(def);
        }
        if (n.isIntegralNumber()) {
            int v = integer(parent, key, path, null, 1);
            return Distribution.fixed(v);
        }
        if (!n.isObject()) {
            throw error(p, "must be an integer or a mapping {min, max, mean, std_dev}, got " + n);
        }
        onlyKeys(n, p, Set.of("min", "max", "mean", "std_dev", "total_count"));
        if (n.get("mean") == null) {
            throw error(p + ".mean", "is required");
        }
        double mean = number(n, "mean", p, null, 1, false);
        double std = number(n, "std_dev", p, 0.0, 0, false);
        int min = integer(n, "min", p, Math.max(1, (int) Math.floor(mean - 3 * std)), 1);
        int max = integer(n, "max", p, (int) Math.ceil(mean + 3 * std), 1);
        try {
            return new Distribution(min, max, mean, std);
        } catch (IllegalArgumentException e) {
            throw error(p, e.getMessage());
        }
    }
}
