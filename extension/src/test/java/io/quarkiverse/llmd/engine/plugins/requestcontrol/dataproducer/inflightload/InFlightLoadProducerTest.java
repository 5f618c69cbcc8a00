package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.testing.Results;

class InFlightLoadProducerTest {

    private final InFlightLoadProducer producer = new InFlightLoadProducer("inflight");
    private final Endpoint decode = endpoint("decode", 0, 0);
    private final Endpoint prefill = endpoint("prefill", 0, 0);

    /** A context whose prompt is 400 bytes: 100 estimated input tokens, 250 booked. */
    private static SchedulingContext ctx() {
        return context(request("m", "x".repeat(400)));
    }

    private void assertIdle(Endpoint... endpoints) {
        for (Endpoint e : endpoints) {
            assertThat(producer.requests(e)).as("requests of %s", e.name()).isZero();
            assertThat(producer.tokens(e)).as("tokens of %s", e.name()).isZero();
        }
    }

    @Test
    void tokenEstimateIsInputPlusOneAndAHalfTimesOutput() {
        assertThat(InFlightLoadProducer.estimateTokens(100)).isEqualTo(250);
        assertThat(InFlightLoadProducer.estimateTokens(3)).isEqualTo(7);
        assertThat(InFlightLoadProducer.estimateTokens(0)).isZero();
        assertThat(InFlightLoadProducer.estimateTokens(-5)).isZero();
    }

    @Test
    void producePublishesTheLiveCounters() {
        SchedulingContext c = ctx();
        producer.produce(c, List.of(decode));
        assertThat(c.get(DataKeys.IN_FLIGHT_LOAD)).isSameAs(producer);
        assertThat(producer.produces()).containsExactly(DataKeys.IN_FLIGHT_LOAD);
    }

    @Test
    void singleProfileReleasedAtCompletionNotAtFirstChunk() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.single(decode));
        assertThat(producer.requests(decode)).isEqualTo(1);
        assertThat(producer.tokens(decode)).isEqualTo(250);
        producer.firstChunk(c, decode);
        assertThat(producer.requests(decode)).isEqualTo(1);
        producer.responseComplete(c, decode, ResponseOutcome.succeeded(100, 20, 0));
        assertIdle(decode);
    }

    @Test
    void prefillReleasedAtFirstChunkDecodeAtCompletion() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.disaggregated(decode, prefill));
        assertThat(producer.requests(prefill)).isEqualTo(1);
        assertThat(producer.requests(decode)).isEqualTo(1);
        producer.firstChunk(c, decode);
        assertIdle(prefill);
        assertThat(producer.requests(decode)).isEqualTo(1);
        assertThat(producer.tokens(decode)).isEqualTo(250);
        producer.firstChunk(c, decode); // a second chunk callback changes nothing
        producer.responseComplete(c, decode, ResponseOutcome.succeeded(100, 20, 0));
        assertIdle(prefill, decode);
    }

    @Test
    void failureWithoutFirstChunkReleasesEverything() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.disaggregated(decode, prefill));
        producer.responseComplete(c, decode, ResponseOutcome.FAILED);
        assertIdle(prefill, decode);
    }

    @Test
    void completionIsIdempotentAndCompletionWithoutPreRequestIsHarmless() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.single(decode));
        producer.responseComplete(c, decode, ResponseOutcome.FAILED);
        producer.responseComplete(c, decode, ResponseOutcome.FAILED);
        assertIdle(decode);
        producer.responseComplete(ctx(), decode, ResponseOutcome.FAILED);
        assertIdle(decode);
    }

    @Test
    void sameEndpointInTwoProfilesIsBookedTwiceAndReleasedTwice() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.disaggregated(decode, decode));
        assertThat(producer.requests(decode)).isEqualTo(2);
        producer.firstChunk(c, decode);
        assertThat(producer.requests(decode)).isEqualTo(1);
        producer.responseComplete(c, decode, ResponseOutcome.FAILED);
        assertIdle(decode);
    }

    @Test
    void failedProfilesAreSkippedAndOnlyTheFirstTargetCounts() {
        Endpoint fallback = endpoint("fallback", 0, 0);
        Map<String, ProfileRunResult> results = new LinkedHashMap<>();
        results.put("prefill", null);
        results.put("decode", Results.profile(decode, fallback));
        SchedulingContext c = ctx();
        producer.preRequest(c, new SchedulingResult("decode", results));
        assertThat(producer.requests(decode)).isEqualTo(1);
        assertIdle(fallback);
        producer.responseComplete(c, decode, ResponseOutcome.FAILED);
        assertIdle(decode);
    }

    @Test
    void aSecondPreRequestSupersedesTheFirst() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.single(prefill));
        producer.preRequest(c, Results.single(decode));
        assertIdle(prefill);
        assertThat(producer.requests(decode)).isEqualTo(1);
        producer.responseComplete(c, decode, ResponseOutcome.FAILED);
        assertIdle(decode);
    }

    @Test
    void forgottenEndpointStartsFromZeroAndLateReleasesDoNotLeak() {
        SchedulingContext c = ctx();
        producer.preRequest(c, Results.single(decode));
        producer.forget(decode.name());
        assertIdle(decode);
        assertThat(producer.snapshot()).isEmpty();

        SchedulingContext next = ctx();
        producer.preRequest(next, Results.single(decode));
        producer.responseComplete(c, decode, ResponseOutcome.FAILED); // the old request ends now
        assertThat(producer.requests(decode)).isEqualTo(1);
        producer.responseComplete(next, decode, ResponseOutcome.FAILED);
        assertIdle(decode);
    }

    @Test
    void snapshotListsCounts() {
        producer.preRequest(ctx(), Results.single(decode));
        assertThat(producer.snapshot()).containsOnlyKeys(decode.name());
        assertThat(producer.snapshot().get(decode.name())).containsExactly(1, 250);
    }

    @Test
    void countersBalanceUnderConcurrentRequests() throws Exception {
        List<Endpoint> endpoints = List.of(decode, prefill, endpoint("c", 0, 0));
        int threads = 4;
        int perThread = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        SchedulingContext c = ctx();
                        Endpoint d = endpoints.get((i + seed) % endpoints.size());
                        Endpoint p = endpoints.get((i * 3 + seed) % endpoints.size());
                        producer.preRequest(c, (i & 1) == 0 ? Results.single(d) : Results.disaggregated(d, p));
                        if (producer.requests(d) < 1) {
                            throw new AssertionError("booked request not visible");
                        }
                        switch (i % 3) {
                            case 0 -> producer.firstChunk(c, d);
                            case 1 -> {
                                producer.firstChunk(c, d);
                                producer.firstChunk(c, d);
                            }
                            default -> {
                                // no first chunk: the client went away
                            }
                        }
                        producer.responseComplete(c, d, (i & 2) == 0 ? ResponseOutcome.FAILED
                                : ResponseOutcome.succeeded(1, 1, 0));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(failure.get()).isNull();
        assertIdle(endpoints.toArray(new Endpoint[0]));
    }
}
