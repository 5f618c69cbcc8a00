package io.quarkiverse.llmd.it.kvevents;

import java.util.Map;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A render server for the {@code vllm} backend of {@code token-producer}, as KServe deploys one next to the pods
 * ({@code vllm launch render}): a simulated vLLM serving the pods' model with the pods' tokenizer, outside the pool.
 * Its base URL is published as {@code kvevents.render-url}.
 */
public class RenderServerResource implements QuarkusTestResourceLifecycleManager {

    private static volatile SimulatedFleet server;

    @Override
    public Map<String, String> start() {
        server = SimulatedFleet.start(SimulatorConfig.builder(KvEventsFleetResource.MODEL).port(0).host("127.0.0.1")
                .build());
        return Map.of("kvevents.render-url", server.baseUris().get(0).toString());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    static SimulatedFleet server() {
        return server;
    }
}
