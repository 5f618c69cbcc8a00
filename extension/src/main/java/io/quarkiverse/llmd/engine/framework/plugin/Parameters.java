package io.quarkiverse.llmd.engine.framework.plugin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Strict decoding of plugin parameters into records: unknown fields, wrong types and nulls for primitives are
 * errors that name the field. llm-d went the same way after silent typos in free-form parameters.
 */
public final class Parameters {

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private Parameters() {
    }

    /**
     * Decodes {@code parameters} into {@code type}; a missing or null block decodes from an empty object so that
     * record defaults (applied in compact constructors) take effect.
     */
    public static <T> T decode(JsonNode parameters, Class<T> type) {
        JsonNode source = parameters == null || parameters.isNull() || parameters.isMissingNode()
                ? STRICT.createObjectNode()
                : parameters;
        try {
            return STRICT.treeToValue(source, type);
        } catch (JsonMappingException e) {
            throw new PluginConfigException(path(e), describe(e));
        } catch (JsonProcessingException e) {
            throw new PluginConfigException(null, e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof JsonMappingException m ? m : e;
            if (cause instanceof JsonMappingException m) {
                throw new PluginConfigException(path(m), describe(m));
            }
            throw new PluginConfigException(null, e.getMessage());
        }
    }

    /** Requires a value to lie in a range, naming the field when it does not. */
    public static double requireRange(String field, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new PluginConfigException(field, field + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private static String describe(JsonMappingException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof PluginConfigException p) {
            throw p;
        }
        if (root instanceof IllegalArgumentException && root.getMessage() != null) {
            return root.getMessage();
        }
        String message = e.getOriginalMessage();
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            return "unknown parameter '" + u.getPropertyName() + "'; known: " + u.getKnownPropertyIds();
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
            String field = path(e);
            return "parameter '" + (field == null ? "?" : field) + "' must be of type "
                    + simpleType(m.getTargetType()) + " (" + firstLine(message) + ")";
        }
        return firstLine(message);
    }

    private static String simpleType(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "boolean";
        }
        if (type == String.class) {
            return "string";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "list";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "object";
        }
        return type.getSimpleName();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
