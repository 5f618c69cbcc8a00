package io.quarkiverse.llmd.runtime.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.RequestRecord;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

class AutoscalerRequestTapTest {

    private static final Endpoint POD = Endpoint.of("pod-a", "10.0.0.1:8000", Map.of())
            .withMetrics(EndpointMetrics.load(0, 3, 0.2, Instant.EPOCH.plusSeconds(1)));

    private static RequestRecord record(String model, long prompt, long completion, long cached, boolean ok) {
        return record(model, prompt, completion, cached, ok, POD.metrics());
    }

    private static RequestRecord record(String model, long prompt, long completion, long cached, boolean ok,
            EndpointMetrics atDispatch) {
        // received 0, dispatched 1 s, first token 1.5 s, last token 1.5 + 9 * 0.02 s
        return new RequestRecord("pool", "id", model, model, null, 0, "pod-a", 1, 0, 1_000_000_000L, 1_500_000_000L,
                1_680_000_000L, prompt, completion, cached, ok, atDispatch);
    }

    private static AutoscalerRequestTap active(int capacity, List<String> woken) {
        return active(capacity, woken, (pool, name) -> "pool".equals(pool) && "pod-a".equals(name) ? POD : null);
    }

    private static AutoscalerRequestTap active(int capacity, List<String> woken,
            java.util.function.BiFunction<String, String, Endpoint> endpoints) {
        AutoscalerRequestTap tap = new AutoscalerRequestTap();
        tap.activate(new VariantIndex(List.of(Variants.of("v", "m", "pool", Role.BOTH))), endpoints, capacity,
                woken::add);
        return tap;
    }

    @Test
    void theSamplesBatchIsTheReplicasScrapedBatchAveragedOverTheRequestsLife() {
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(List.of(Endpoint.of("pod-a", "10.0.0.1:8000", Map.of())));
        registry.updateMetrics("pod-a", EndpointMetrics.load(0, 3, 0.1, Instant.EPOCH.plusSeconds(1)));
        EndpointMetrics atDispatch = registry.snapshot().byName().get("pod-a").metrics();
        // the batch grew while the request ran: its start (3) and its end (30) both misstate what ran beside it
        for (int running : new int[] { 10, 20, 30 }) {
            registry.updateMetrics("pod-a", EndpointMetrics.load(0, running, 0.1, Instant.EPOCH.plusSeconds(running)));
        }
        AutoscalerRequestTap tap = active(10, new ArrayList<>(),
                (pool, name) -> registry.snapshot().byName().get(name));
        tap.completed(record("m", 100, 10, 0, true, atDispatch));
        List<AutoscalerRequestTap.Completed> drained = new ArrayList<>();
        tap.drain(drained::add);
        assertThat(drained.get(0).sample().batchSize()).isEqualTo(20);
    }

    @Test
    void inactiveItObservesNothing() {
        AutoscalerRequestTap tap = new AutoscalerRequestTap();
        tap.completed(record("m", 100, 10, 0, true));
        assertThat(tap.takeArrivals("m")).isZero();
    }

    @Test
    void aCompletedRequestBecomesAnArrivalAndACalibrationSample() {
        AutoscalerRequestTap tap = active(10, new ArrayList<>());
        tap.completed(record("m", 100, 10, 40, true));
        List<AutoscalerRequestTap.Completed> drained = new ArrayList<>();
        tap.drain(drained::add);
        assertThat(drained).hasSize(1);
        var s = drained.get(0).sample();
        assertThat(drained.get(0).variant()).isEqualTo("v");
        assertThat(s.promptTokens()).isEqualTo(60); // cached prompt tokens cost the replica no prefill
        assertThat(s.outputTokens()).isEqualTo(10);
        assertThat(s.ttftSeconds()).isEqualTo(0.5); // from dispatch: the gateway's queue is not the replica's
        assertThat(s.tpotSeconds()).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.batchSize()).isEqualTo(3); // no scrape since its dispatch: the last one
        assertThat(tap.takeArrivals("m")).isEqualTo(1);
        assertThat(tap.takeArrivals("m")).isZero();
    }

    @Test
    void failuresCountAsArrivalsButNotAsSamplesAndOtherModelsMintNothing() {
        AutoscalerRequestTap tap = active(10, new ArrayList<>());
        tap.completed(record("m", -1, -1, -1, false));
        tap.completed(record("client-made-up-model", 100, 10, 0, true));
        List<AutoscalerRequestTap.Completed> drained = new ArrayList<>();
        tap.drain(drained::add);
        assertThat(drained).isEmpty();
        assertThat(tap.takeArrivals("m")).isEqualTo(1);
        assertThat(tap.takeArrivals("client-made-up-model")).isZero();
    }

    @Test
    void aFullBufferDropsAndCounts() {
        AutoscalerRequestTap tap = active(2, new ArrayList<>());
        for (int i = 0; i < 5; i++) {
            tap.completed(record("m", 100, 10, 0, true));
        }
        assertThat(tap.dropped()).isEqualTo(3);
        List<AutoscalerRequestTap.Completed> drained = new ArrayList<>();
        tap.drain(drained::add);
        assertThat(drained).hasSize(2);
        assertThat(tap.takeArrivals("m")).isEqualTo(5);
    }

    @Test
    void aRequestRefusedForWantOfEndpointsWakesTheLoop() {
        List<String> woken = new ArrayList<>();
        AutoscalerRequestTap tap = active(2, woken);
        InferenceRequest request = new InferenceRequest("r", null, "m", null, false, null, Map.of(), null, null,
                false);
        tap.rejected("pool", request, Decision.Rejected.noEndpoints("no endpoints"));
        tap.rejected("pool", request, Decision.Rejected.noCandidates("none left"));
        tap.rejected("pool", request, Decision.Rejected.badRequest("bad"));
        assertThat(woken).containsExactly("m", "m");
        assertThat(tap.takeArrivals("m")).isEqualTo(3);
    }
}
