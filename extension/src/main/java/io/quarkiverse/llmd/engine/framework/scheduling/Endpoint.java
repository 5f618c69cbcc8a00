package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.Map;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;

/**
 * A model-server endpoint as the scheduler sees it: one pod on one target port, with its labels and the latest
 * metrics snapshot. Immutable: the data layer publishes a new instance when metrics change.
 *
 * @param name unique endpoint name, llm-d style {@code <namespace>/<pod>-rank-<i>}
 * @param address {@code ip:port} the gateway routes to (IPv6 in brackets)
 * @param labels pod labels, among them {@code llm-d.ai/role}
 * @param metrics latest metrics, never null ({@link EndpointMetrics#NONE} before the first scrape)
 * @param parsedAddress {@code address} parsed once, so that matching by host and port never re-parses it
 */
public record Endpoint(String name, String address, Map<String, String> labels, EndpointMetrics metrics,
        EndpointAddress parsedAddress) {

    /** Label that tells prefill, decode and encode pods apart. */
    public static final String ROLE_LABEL = "llm-d.ai/role";

    public Endpoint {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("endpoint name must not be blank");
        }
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("endpoint address must not be blank: " + name);
        }
        if (parsedAddress == null) {
            try {
                parsedAddress = EndpointAddress.parse(address);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("endpoint " + name + ": " + e.getMessage(), e);
            }
        }
        labels = Map.copyOf(labels);
        if (metrics == null) {
            metrics = EndpointMetrics.NONE;
        }
    }

    public Endpoint(String name, String address, Map<String, String> labels, EndpointMetrics metrics) {
        this(name, address, labels, metrics, null);
    }

    public static Endpoint of(String name, String address, Map<String, String> labels) {
        return new Endpoint(name, address, labels, EndpointMetrics.NONE);
    }

    /** The role label value, or null when the pod carries none. */
    public String role() {
        return labels.get(ROLE_LABEL);
    }

    /** Host part of the address (brackets kept for IPv6), used where llm-d matches by IP only. */
    public String host() {
        return parsedAddress.hostForUri();
    }

    public Endpoint withMetrics(EndpointMetrics newMetrics) {
        return new Endpoint(name, address, labels, newMetrics, parsedAddress);
    }
}
