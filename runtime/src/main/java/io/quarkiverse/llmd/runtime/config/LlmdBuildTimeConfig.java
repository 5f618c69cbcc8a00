package io.quarkiverse.llmd.runtime.config;

import java.util.List;

import io.quarkus.runtime.annotations.ConfigDocSection;
import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Build-time configuration of the llm-d scheduler extension ({@code quarkus.llmd.*}). */
@ConfigMapping(prefix = "quarkus.llmd")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface LlmdBuildTimeConfig {

    /** Dev Services: a simulated vLLM fleet started in-process in dev and test mode. */
    @ConfigDocSection(generated = true)
    DevServicesConfig devservices();

    /**
     * Dev Services start simulated vLLM pods inside the application's JVM (no containers) when the application
     * configures no {@code quarkus.llmd.endpoints}, and point the endpoints at them.
     */
    interface DevServicesConfig {

        /**
         * Whether Dev Services start the simulated fleet. They also need {@code quarkus.devservices.enabled} (default
         * true) and run only when no {@code quarkus.llmd.endpoints."<name>".*} is configured.
         */
        @WithDefault("true")
        boolean enabled();

        /** Served model name of every simulated pod. */
        @WithDefault("llmd-sim/llama-3-8b")
        String model();

        /** Hardware profiles, one group of pods each: {@code H100}, {@code A100}, {@code L4} or a full profile name. */
        @WithDefault("H100,L4")
        List<String> profiles();

        /** Pods per hardware profile. */
        @WithDefault("2")
        int replicas();

        /** Simulated time runs this many times faster than the wall clock (1 = real time). */
        @WithDefault("1.0")
        double timeScale();
    }
}
