package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.WithDefault;

/**
 * The watch on KServe LLMInferenceServices (one pool per annotated service), {@code quarkus.llmd.kserve.*}. Plain
 * values only: the watch itself lives in the {@code quarkus-llmd-llminferenceservice} module, which reads them. They
 * belong to the extension's configuration root so that Quarkus knows the keys (a mapping of {@code quarkus.*} keys
 * outside an extension is reported as unrecognized at every start).
 */
public interface KServeConfig {

    /**
     * Whether to watch LLMInferenceServices carrying {@code llmd.quarkiverse.io/enabled: "true"} and serve a pool
     * for each. Off by default: the Kubernetes client is only created when this is on, so the gateway starts
     * without a cluster.
     */
    @WithDefault("false")
    boolean enabled();

    /**
     * The namespaces to watch. Unset: the Kubernetes client's namespace (the gateway pod's own in a cluster, where
     * the generated namespaced Role suffices). {@code *}: every namespace (needs a ClusterRole instead).
     */
    Optional<List<String>> namespaces();

    /**
     * The LLMInferenceService API version to watch: {@code v1alpha2} (KServe 0.17 and later, where it is the storage
     * version) or {@code v1alpha1} (KServe 0.16). A cluster serving both returns the same objects under each, so
     * one version is watched, not both.
     */
    @WithDefault("v1alpha2")
    String apiVersion();

    /**
     * How often the watches list every LLMInferenceService and workload pod afresh and reconcile every service (a
     * bound on what a watch resumed on an API server without history could miss). Also how soon an edited
     * scheduler-config ConfigMap is read again; editing the service applies it at once. 0 turns it off.
     */
    @WithDefault("5m")
    Duration resync();
}
