package io.quarkiverse.llmd.engine.testing;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/** Builders for the routing plugin tests: endpoints with explicit addresses, parameters from YAML. */
public final class RoutingFixtures {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private RoutingFixtures() {
    }

    public static Endpoint endpoint(String name, String address, Map<String, String> labels) {
        return new Endpoint("default/" + name, address, labels, EndpointMetrics.NONE);
    }

    public static Endpoint withRole(String name, String address, String role) {
        return endpoint(name, address, role == null ? Map.of() : Map.of(Endpoint.ROLE_LABEL, role));
    }

    /** Parameters from a YAML (or JSON) snippet. */
    public static JsonNode params(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A prompt of {@code tokens} estimated tokens (four ASCII characters each). */
    public static String promptOfTokens(int tokens) {
        return "abcd".repeat(tokens);
    }
}
