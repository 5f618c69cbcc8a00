package io.quarkiverse.llmd.runtime.config;

import java.util.List;

import io.smallrye.config.WithDefault;

/**
 * The embedded simulated fleet ({@code quarkus.llmd.embedded-fleet.*}): when enabled and no endpoint is known at
 * startup, the application starts simulated vLLM pods in its own JVM and routes to them. Off in the extension; the
 * gateway app switches it on so that one command shows the whole system. Needs {@code quarkus-llmd-simulator} on
 * the class path.
 */
public interface EmbeddedFleetConfig {

    /** Whether to start the embedded fleet when the pool is empty at startup. */
    @WithDefault("false")
    boolean enabled();

    /** Served model name of every simulated pod. */
    @WithDefault("llmd-sim/llama-3-8b")
    String model();

    /**
     * Hardware profiles, one group of pods each: {@code H100}, {@code A100}, {@code L4} or a full profile name of the
     * simulator ({@code h100-qwen3-32b-tp2}).
     */
    @WithDefault("H100,L4")
    List<String> profiles();

    /** Pods per hardware profile. */
    @WithDefault("2")
    int replicas();

    /** Simulated time runs this many times faster than the wall clock (1 = real time). */
    @WithDefault("1.0")
    double timeScale();

    /** Interface the simulated pods listen on. */
    @WithDefault("127.0.0.1")
    String host();
}
