package io.quarkiverse.llmd.simulator.http;

import java.util.concurrent.atomic.AtomicLong;

import io.quarkiverse.llmd.simulator.api.OutputPlanner;
import io.quarkiverse.llmd.simulator.api.RequestParser;
import io.quarkiverse.llmd.simulator.api.ServedModels;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.engine.RealTimeDriver;
import io.quarkiverse.llmd.simulator.metrics.VllmMetrics;
import io.quarkiverse.llmd.simulator.tokenizer.Tokenizer;

/**
 * Everything the HTTP handlers of one pod share.
 *
 * @param index pod index in the fleet
 * @param engineId reported as {@code remote_engine_id} to P/D decode pods
 */
public record PodState(int index, String engineId, SimulatorConfig config, ServedModels models, Tokenizer tokenizer,
        RequestParser parser, OutputPlanner planner, RealTimeDriver driver, VllmMetrics metrics,
        AtomicLong requestCounter) {
}
