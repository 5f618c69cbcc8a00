package io.quarkiverse.llmd.engine.config;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A YAML document as a Jackson tree plus the line of every node, keyed by its path ({@code plugins[1].type}).
 * Scalars keep their YAML type (int, float, bool, null, string), so that strict parameter decoding can tell
 * {@code 5} from {@code "5"}. Used for the EndpointPickerConfig and for other YAML files that need the same precise
 * {@code file:line: field: problem} messages (for instance {@code file-discovery}'s endpoint file).
 */
public final class YamlTree {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Most nodes a configuration may expand to; real ones have a few hundred. */
    static final int MAX_NODES = 100_000;

    private final String source;
    private final JsonNode root;
    private final Map<String, Integer> lines;

    private YamlTree(String source, JsonNode root, Map<String, Integer> lines) {
        this.source = source;
        this.root = root;
        this.lines = lines;
    }

    /** Parses one YAML document; null root for an empty document. */
    public static YamlTree parse(String source, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setCodePointLimit(4 * 1024 * 1024);
        Node node;
        try {
            node = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(source, line, null, "invalid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(source, 0, null, "invalid YAML: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // SnakeYAML rejects some malformed tokens (a tag with spaces, found by fuzzing) this way
            throw new ConfigException(source, 0, null, "invalid YAML: " + e.getMessage());
        }
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root = node == null ? null : convert(source, node, "", lines,
                Collections.newSetFromMap(new IdentityHashMap<>()), new int[] { MAX_NODES });
        return new YamlTree(source, root, lines);
    }

    public JsonNode root() {
        return root;
    }

    public String source() {
        return source;
    }

    /** Line of the node at {@code path}, or of its closest ancestor that has one; 0 when unknown. */
    public int line(String path) {
        String p = path;
        while (true) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            if (p.isEmpty()) {
                return 0;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
    }

    /** An error at the line of {@code path}, naming {@code path} as the field. */
    public ConfigException error(String path, String problem) {
        return new ConfigException(source, line(path), path, problem);
    }

    /**
     * @param open the collections being converted, outermost first: an alias to one of them would make the tree
     *        infinite ({@code &a [*a]}), so it is refused instead of recursing until the stack overflows
     * @param budget nodes still allowed: aliases let a short text name a large tree, which is refused past it
     */
    private static JsonNode convert(String source, Node node, String path, Map<String, Integer> lines,
            Set<Node> open, int[] budget) {
        // a mapping entry is reported at its key's line, recorded by the caller; other nodes at their start
        lines.putIfAbsent(path, node.getStartMark().getLine() + 1);
        if (--budget[0] < 0) {
            throw new ConfigException(source, node.getStartMark().getLine() + 1, path,
                    "the document expands to more than " + MAX_NODES + " nodes (aliases?)");
        }
        if (node instanceof MappingNode || node instanceof SequenceNode) {
            if (!open.add(node)) {
                throw new ConfigException(source, node.getStartMark().getLine() + 1, path,
                        "an alias refers to a collection that contains it");
            }
            try {
                return convertCollection(source, node, path, lines, open, budget);
            } finally {
                open.remove(node);
            }
        }
        ScalarNode scalar = (ScalarNode) node;
        return scalar(scalar);
    }

    private static JsonNode convertCollection(String source, Node node, String path, Map<String, Integer> lines,
            Set<Node> open, int[] budget) {
        if (node instanceof MappingNode mapping) {
            ObjectNode object = NODES.objectNode();
            Set<String> seen = new HashSet<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                    throw new ConfigException(source, tuple.getKeyNode().getStartMark().getLine() + 1, path,
                            "mapping keys must be plain strings");
                }
                String key = keyNode.getValue();
                String childPath = path.isEmpty() ? key : path + "." + key;
                if (!seen.add(key)) {
                    throw new ConfigException(source, keyNode.getStartMark().getLine() + 1, childPath, "duplicate key");
                }
                lines.put(childPath, keyNode.getStartMark().getLine() + 1);
                object.set(key, convert(source, tuple.getValueNode(), childPath, lines, open, budget));
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = NODES.arrayNode();
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                array.add(convert(source, items.get(i), path + "[" + i + "]", lines, open, budget));
            }
            return array;
        }
        throw new IllegalArgumentException("not a collection: " + node.getNodeId());
    }

    private static JsonNode scalar(ScalarNode scalar) {
        String value = scalar.getValue();
        Tag tag = scalar.getTag();
        if (Tag.NULL.equals(tag)) {
            return NODES.nullNode();
        }
        if (Tag.BOOL.equals(tag)) {
            return NODES.booleanNode(Boolean.parseBoolean(value.toLowerCase(java.util.Locale.ROOT)));
        }
        if (Tag.INT.equals(tag)) {
            String digits = value.replace("_", "");
            try {
                BigInteger big = new BigInteger(digits.startsWith("+") ? digits.substring(1) : digits);
                return big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
            } catch (NumberFormatException e) {
                return NODES.textNode(value); // octal/hex/sexagesimal forms: keep as text, strict decoding reports it
            }
        }
        if (Tag.FLOAT.equals(tag)) {
            try {
                return NODES.numberNode(Double.parseDouble(value.replace("_", "")));
            } catch (NumberFormatException e) {
                return NODES.textNode(value); // .inf / .nan spellings
            }
        }
        return NODES.textNode(value);
    }
}
