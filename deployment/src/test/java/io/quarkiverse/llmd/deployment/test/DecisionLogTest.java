package io.quarkiverse.llmd.deployment.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.devui.DecisionLog;

/** The Dev UI's decision ring buffer, without Quarkus. */
class DecisionLogTest {

    private final Scheduler scheduler = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).loadDefault()
            .scheduler();
    private final List<Endpoint> endpoints = List.of(
            Endpoint.of("a", "10.0.0.1:8000", Map.of()).withMetrics(EndpointMetrics.load(5, 4, 0.9, Instant.now())),
            Endpoint.of("b", "10.0.0.2:8000", Map.of()).withMetrics(EndpointMetrics.load(0, 1, 0.1, Instant.now())));

    private SchedulingContext context() {
        byte[] body = "{\"model\":\"m\",\"prompt\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
        return new SchedulingContext(new OpenAiRequestParser().parse("/v1/completions", Map.of(), body),
                Instant.now(), new Random(1));
    }

    @Test
    void tracedDecisionHasEveryCandidatesScoresBestFirst() {
        DecisionLog log = new DecisionLog();
        SchedulingContext context = context().trace(log.trace());
        SchedulingResult result = scheduler.schedule(context, endpoints);
        DecisionLog.Entry entry = log.record("test", context, result);

        assertTrue(entry.succeeded());
        assertEquals("b", entry.endpoint(), "the idle endpoint wins");
        DecisionLog.ProfileRun run = entry.runs().get(0);
        assertEquals(List.of("b", "a"), run.scores().stream().map(DecisionLog.EndpointScore::endpoint).toList());
        assertEquals(List.of("queue-scorer", "kv-cache-utilization-scorer", "prefix-cache-scorer"),
                List.copyOf(run.scores().get(0).byScorer().keySet()));
        assertTrue(run.scores().get(0).picked());
        assertFalse(run.scores().get(1).picked());
    }

    @Test
    void untracedDecisionKeepsThePickedTotalsOnly() {
        DecisionLog log = new DecisionLog();
        SchedulingContext context = context();
        DecisionLog.Entry entry = log.record(context, scheduler.schedule(context, endpoints));
        assertEquals("live", entry.source());
        assertEquals(1, entry.runs().get(0).scores().size());
        assertTrue(entry.runs().get(0).scores().get(0).byScorer().isEmpty());
    }

    @Test
    void failedDecisionAndBoundedNewestFirst() {
        DecisionLog log = new DecisionLog();
        SchedulingContext empty = context();
        DecisionLog.Entry failed = log.record(empty, scheduler.schedule(empty, List.of()));
        assertFalse(failed.succeeded());
        assertNull(failed.endpoint());
        for (int i = 0; i < DecisionLog.CAPACITY + 5; i++) {
            SchedulingContext c = context();
            log.record(c, scheduler.schedule(c, endpoints));
        }
        List<DecisionLog.Entry> recent = log.recent();
        assertEquals(DecisionLog.CAPACITY, recent.size());
        assertEquals(DecisionLog.CAPACITY + 6, recent.get(0).sequence());
        assertTrue(recent.get(0).sequence() > recent.get(1).sequence());
        log.clear();
        assertTrue(log.recent().isEmpty());
    }
}
