package io.quarkiverse.llmd.engine.pool;

import java.util.List;
import java.util.function.Consumer;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * Where a pool's endpoints come from: static configuration, a file in llm-d's {@code file-discovery} format, an
 * InferencePool or a KServe LLMInferenceService watched in Kubernetes. A source publishes the whole current set each
 * time it changes; the pool's {@link EndpointRegistry} works out who left (and purges their plugin state) and
 * keeps the metrics of those who stayed.
 */
public interface EndpointSource extends AutoCloseable {

    /**
     * Starts publishing. The source calls {@code publish} with the complete endpoint set, at once if it knows it and
     * again on every change, from any thread, never concurrently with itself.
     */
    void start(Consumer<List<Endpoint>> publish);

    /** A short description for logs, for instance {@code static (2 endpoints)} or {@code file /etc/epp/pods.yaml}. */
    String describe();

    /** Stops publishing and releases what the source holds (watches, file handles). */
    @Override
    default void close() {
    }
}
