package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.Map;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;

/**
 * A model-server endpoint as the scheduler sees it: one pod on one target port, with its labels and the latest
 * metrics snapshot. Immutable: the data layer publishes a new instance when metrics change.
 *
 * @param name unique endpoint name, llm-d style {@code <namespace>/<pod>-rank-<i>}
 * @param address {@code ip:port} the gateway routes to (IPv6 in brackets)
 * @param labels pod labels, among them {@code llm-d.ai/role}
 * @param metrics latest metrics, never null ({@link EndpointMetrics#NONE} before the first scrape)
 */
public record Endpoint(String name, String address, Map<String, String> labels, EndpointMetrics metrics) {

    /** Label that tells prefill, decode and encode pods apart. */
    public static final String ROLE_LABEL = "llm-d.ai/role";

    public Endpoint {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("endpoint name must not be blank");
        }
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("endpoint address must not be blank: " + name);
        }
        labels = Map.copyOf(labels);
        if (metrics == null) {
            metrics = EndpointMetrics.NONE;
        }
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
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    public Endpoint withMetrics(EndpointMetrics newMetrics) {
        return new Endpoint(name, address, labels, newMetrics);
    }
}
