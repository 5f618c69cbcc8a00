package io.quarkiverse.llmd.engine.plugins.datalayer.discovery.file;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.YamlTree;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointDiscovery;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * {@code file-discovery}: the pool's endpoints come from a YAML or JSON file instead of Kubernetes (llm-d-router
 * {@code pkg/epp/framework/plugins/datalayer/discovery/file}), selected by {@code dataLayer.discovery.pluginRef}.
 * Parameters {@code path} (required) and {@code watchFile} (default false: read once at startup). The file:
 *
 * <pre>
 * endpoints:
 *   - name: vllm-0            # required, unique per namespace
 *     namespace: team-a       # optional, default "default"
 *     address: 10.0.0.1       # required, an IP literal (host names are not resolved)
 *     port: "8000"            # required, 1-65535
 *     labels: {llm-d.ai/role: decode}
 * </pre>
 *
 * Each entry becomes an {@link Endpoint} named {@code <namespace>/<name>} at {@code address:port}. The runtime reads
 * and, with {@code watchFile}, re-reads the file; this class holds the settings and the pure parsing.
 * <p>
 * Differences from llm-d, all on input llm-d handles badly: a bad entry (bad address or port, duplicate name,
 * unknown field) fails the whole file with its line, where llm-d logs it and drops that one endpoint, so a typo
 * cannot silently shrink the pool (on a reload the runtime keeps the previous endpoints); {@code port} may also be a
 * YAML integer (llm-d refuses the whole file unless it is quoted); IPv6 literals are accepted (llm-d takes IPv4 only).
 *
 * @param typedName type and instance name
 * @param path the endpoints file
 * @param watchFile whether to reload the file when it changes
 */
public record FileDiscovery(TypedName typedName, Path path, boolean watchFile) implements EndpointDiscovery {

    public static final String TYPE = "file-discovery";
    /** Largest endpoints file accepted, as llm-d. */
    public static final int MAX_FILE_BYTES = 1 << 20;
    /** Namespace of entries that name none. */
    public static final String DEFAULT_NAMESPACE = "default";

    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Params p = Parameters.decode(parameters, Params.class);
        Path path;
        try {
            path = Path.of(p.path());
        } catch (InvalidPathException e) {
            throw new PluginConfigException("path", "path is not a valid file path: " + e.getMessage());
        }
        return new FileDiscovery(new TypedName(TYPE, name), path, p.watchFile());
    };

    private static final Set<String> TOP_FIELDS = Set.of("endpoints");
    private static final Set<String> ENTRY_FIELDS = Set.of("name", "namespace", "address", "port", "labels");

    /**
     * @param path the endpoints file, required
     * @param watchFile reload on change, default false
     */
    public record Params(String path, Boolean watchFile) {

        public Params {
            if (path == null || path.isBlank()) {
                throw new PluginConfigException("path", "path is required: the endpoints file to read");
            }
            watchFile = watchFile != null && watchFile;
        }
    }

    /** Reads and parses this plugin's file. */
    @Override
    public List<Endpoint> read() {
        return read(path);
    }

    @Override
    public java.util.Optional<Path> watchedFile() {
        return watchFile ? java.util.Optional.of(path) : java.util.Optional.empty();
    }

    /**
     * Reads and parses an endpoints file.
     *
     * @throws ConfigException when the file cannot be read, exceeds {@link #MAX_FILE_BYTES} or is invalid
     */
    public static List<Endpoint> read(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, null, "cannot read endpoints file: " + e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ConfigException(file.toString(), 0, null, "endpoints file is larger than 1 MiB");
        }
        return parse(file.toString(), new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * Parses the text of an endpoints file. Pure: no I/O, no name resolution.
     *
     * @param source file name used in messages
     * @return the endpoints in file order; empty for an empty document or an empty list
     * @throws ConfigException {@code <source>:<line>: <field>: <problem>} for the first problem found
     */
    public static List<Endpoint> parse(String source, String text) {
        YamlTree tree = YamlTree.parse(source, text);
        JsonNode root = tree.root();
        List<Endpoint> endpoints = new ArrayList<>();
        if (root == null || root.isNull()) {
            return endpoints;
        }
        if (!root.isObject()) {
            throw tree.error("", "the file must be a mapping with an 'endpoints' list");
        }
        rejectUnknown(tree, root, "", TOP_FIELDS);
        JsonNode list = root.get("endpoints");
        if (list == null || list.isNull()) {
            return endpoints;
        }
        if (!list.isArray()) {
            throw tree.error("endpoints", "must be a list of {name, namespace, address, port, labels}");
        }
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "endpoints[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) {
                throw tree.error(path, "must be a mapping with name, address and port");
            }
            rejectUnknown(tree, entry, path, ENTRY_FIELDS);
            String name = text(tree, entry, path, "name", true);
            String namespace = text(tree, entry, path, "namespace", false);
            if (namespace == null) {
                namespace = DEFAULT_NAMESPACE;
            }
            String address = text(tree, entry, path, "address", true);
            String host;
            if (isIpv4(address)) {
                host = address;
            } else if (isIpv6(address)) {
                host = "[" + address + "]";
            } else {
                throw tree.error(path + ".address", "must be an IPv4 or IPv6 address, got '" + address
                        + "' (host names are not resolved)");
            }
            int port = port(tree, entry, path);
            Map<String, String> labels = labels(tree, entry, path);
            String id = namespace + "/" + name;
            String first = seen.putIfAbsent(id, path);
            if (first != null) {
                throw tree.error(path + ".name", "duplicate endpoint '" + id + "' (first at line "
                        + tree.line(first) + ")");
            }
            endpoints.add(Endpoint.of(id, host + ":" + port, labels));
        }
        return endpoints;
    }

    private static String text(YamlTree tree, JsonNode entry, String path, String field, boolean required) {
        JsonNode v = entry.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ConfigException(tree.source(), tree.line(path), path + "." + field, "is required");
            }
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw tree.error(path + "." + field, "must be a non-empty string, got " + v);
        }
        return v.textValue();
    }

    private static int port(YamlTree tree, JsonNode entry, String path) {
        String field = path + ".port";
        JsonNode v = entry.get("port");
        if (v == null || v.isNull()) {
            throw new ConfigException(tree.source(), tree.line(path), field, "is required");
        }
        String digits = v.isTextual() ? v.textValue() : v.isIntegralNumber() ? v.asText() : null;
        if (digits == null || digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw tree.error(field, "must be a port number between 1 and 65535, got " + v);
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw tree.error(field, "must be a port number between 1 and 65535, got " + v);
        }
        return port;
    }

    private static Map<String, String> labels(YamlTree tree, JsonNode entry, String path) {
        JsonNode v = entry.get("labels");
        Map<String, String> labels = new LinkedHashMap<>();
        if (v == null || v.isNull()) {
            return labels;
        }
        if (!v.isObject()) {
            throw tree.error(path + ".labels", "must be a mapping of label names to string values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> label = it.next();
            if (!label.getValue().isTextual()) {
                throw tree.error(path + ".labels." + label.getKey(), "label values must be strings (quote them), got "
                        + label.getValue());
            }
            labels.put(label.getKey(), label.getValue().textValue());
        }
        return labels;
    }

    private static void rejectUnknown(YamlTree tree, JsonNode object, String path, Set<String> known) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!known.contains(field)) {
                throw tree.error(path.isEmpty() ? field : path + "." + field, "unknown field '" + field
                        + "'; known fields: " + new TreeSet<>(known));
            }
        }
    }

    /** Dotted-decimal IPv4 without leading zeros, as Go's {@code net.ParseIP} accepts it. */
    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** An RFC 4291 text IPv6 address (hex groups, at most one {@code ::}, optional trailing IPv4), no zone. */
    static boolean isIpv6(String s) {
        if (s.isEmpty() || s.indexOf(':') < 0) {
            return false;
        }
        int ellipsis = s.indexOf("::");
        if (ellipsis >= 0 && s.indexOf("::", ellipsis + 1) >= 0) {
            return false;
        }
        List<String> parts = new ArrayList<>();
        if (ellipsis >= 0) {
            String head = s.substring(0, ellipsis);
            String tail = s.substring(ellipsis + 2);
            if (!head.isEmpty()) {
                parts.addAll(List.of(head.split(":", -1)));
            }
            if (!tail.isEmpty()) {
                parts.addAll(List.of(tail.split(":", -1)));
            }
        } else {
            parts.addAll(List.of(s.split(":", -1)));
        }
        int groups = 0;
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            boolean last = i == parts.size() - 1;
            if (last && p.indexOf('.') >= 0) {
                if (!isIpv4(p)) {
                    return false;
                }
                groups += 2;
            } else if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(FileDiscovery::isHexDigit)) {
                return false;
            } else {
                groups++;
            }
        }
        return ellipsis >= 0 ? groups <= 7 : groups == 8;
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
