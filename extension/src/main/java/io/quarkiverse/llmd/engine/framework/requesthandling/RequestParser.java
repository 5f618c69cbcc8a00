package io.quarkiverse.llmd.engine.framework.requesthandling;

import java.util.Map;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;

/**
 * A plugin that understands one request protocol, named by {@code requestHandler.parsers[].pluginRef}. The request
 * handler asks the parsers in their configured order and uses the first that {@link #supports supports} the path.
 */
public interface RequestParser extends Plugin {

    /**
     * Whether this parser handles requests to {@code path}.
     *
     * @param path the request path ({@code :path}), or null when unknown
     */
    boolean supports(String path);

    /**
     * Parses one request.
     *
     * @param path the request path, or null when unknown
     * @param headers request headers, names in any case
     * @param body the body bytes
     * @throws InvalidRequestException when the request must be refused with HTTP 400
     */
    InferenceRequest parse(String path, Map<String, String> headers, byte[] body);
}
