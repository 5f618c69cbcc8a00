package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.sessionaffinity;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.testing.Scoring;

class SessionAffinityScorerTest {

    private final SessionAffinityScorer scorer = new SessionAffinityScorer("s");
    private final Endpoint pod1rank0 = Endpoint.of("ns/pod-1-rank-0", "10.0.0.1:8000", Map.of());
    private final Endpoint pod1rank1 = Endpoint.of("ns/pod-1-rank-1", "10.0.0.1:8001", Map.of());
    private final Endpoint pod2 = Endpoint.of("ns/pod-2", "10.0.0.2:8000", Map.of());
    private final Endpoint pod10 = Endpoint.of("ns/pod-10-rank-0", "10.0.0.3:8000", Map.of());
    private final List<Endpoint> all = List.of(pod1rank0, pod1rank1, pod2, pod10);

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private double[] score(String token) {
        SchedulingContext ctx = context(request("m", "p",
                token == null ? Map.of() : Map.of(SessionAffinityScorer.HEADER, token)));
        return Scoring.raw(scorer, ctx, all);
    }

    @Test
    void matchingPodScoresOneOnEveryRank() {
        assertThat(score(b64("ns/pod-1"))).containsExactly(1.0, 1.0, 0.0, 0.0);
        assertThat(score(b64("ns/pod-2"))).containsExactly(0.0, 0.0, 1.0, 0.0);
        assertThat(score(b64("ns/pod-10"))).containsExactly(0.0, 0.0, 0.0, 1.0);
    }

    @Test
    void tokenNamingARankStillMatchesThePod() {
        assertThat(score(b64("ns/pod-1-rank-1"))).containsExactly(1.0, 1.0, 0.0, 0.0);
    }

    @Test
    void otherNamespaceOrPrefixDoesNotMatch() {
        assertThat(score(b64("other/pod-1"))).containsExactly(0.0, 0.0, 0.0, 0.0);
        assertThat(score(b64("ns/pod"))).containsExactly(0.0, 0.0, 0.0, 0.0);
    }

    @Test
    void missingOrInvalidTokenScoresZeroWithoutError() {
        assertThat(score(null)).containsExactly(0.0, 0.0, 0.0, 0.0);
        assertThat(score("")).containsExactly(0.0, 0.0, 0.0, 0.0);
        assertThat(score("not base64 !!")).containsExactly(0.0, 0.0, 0.0, 0.0);
        assertThat(score("bnMv=cG9k")).containsExactly(0.0, 0.0, 0.0, 0.0);
        // Java's decoder tolerates missing padding, which Go's does not; accepting more is harmless.
        assertThat(score("bnMvcG9kLTE")).containsExactly(1.0, 1.0, 0.0, 0.0);
    }

    @Test
    void tokenForDropsTheRankAndRoundTrips() {
        assertThat(SessionAffinityScorer.tokenFor(pod1rank1)).isEqualTo(b64("ns/pod-1"));
        assertThat(SessionAffinityScorer.tokenFor(pod2)).isEqualTo(b64("ns/pod-2"));
        assertThat(score(SessionAffinityScorer.tokenFor(pod10))).containsExactly(0.0, 0.0, 0.0, 1.0);
        Endpoint odd = Endpoint.of("ns/x-rank-", "10.0.0.9:1", Map.of());
        assertThat(SessionAffinityScorer.tokenFor(odd)).isEqualTo(b64("ns/x-rank-"));
    }

    @Test
    void recordsTheServingEndpointsTokenForTheResponse() {
        SchedulingContext ctx = context(request("m", "p"));
        assertThat(SessionAffinityScorer.responseToken(ctx)).isNull();
        scorer.responseStarted(ctx, pod2);
        scorer.responseComplete(ctx, pod1rank0, ResponseOutcome.succeeded(1, 1, 0));
        assertThat(SessionAffinityScorer.responseToken(ctx)).isEqualTo(b64("ns/pod-2"));

        SchedulingContext failed = context(request("m", "p"));
        scorer.responseComplete(failed, pod1rank0, ResponseOutcome.FAILED);
        assertThat(SessionAffinityScorer.responseToken(failed)).isEqualTo(b64("ns/pod-1"));
    }
}
