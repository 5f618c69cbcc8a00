package io.quarkiverse.llmd.runtime.autoscaler;

/**
 * The object whose replicas a variant's decisions set, as a {@code scaleTargetRef} names it.
 *
 * @param namespace its namespace
 * @param apiVersion its API version, e.g. {@code apps/v1} or {@code serving.knative.dev/v1}
 * @param kind its kind, e.g. {@code Deployment}, {@code LeaderWorkerSet} or {@code Service}
 * @param name its name
 */
public record ScaleTarget(String namespace, String apiVersion, String kind, String name) {

    public ScaleTarget {
        require("namespace", namespace);
        require("apiVersion", apiVersion);
        require("kind", kind);
        require("name", name);
    }

    private static void require(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a scale target needs a " + what);
        }
    }

    @Override
    public String toString() {
        return kind + " " + namespace + "/" + name + " (" + apiVersion + ")";
    }
}
