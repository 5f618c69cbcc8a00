package io.quarkiverse.llmd.engine.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointHealth.Failure;
import io.quarkiverse.llmd.engine.pool.EndpointHealth.State;
import io.quarkiverse.llmd.engine.pool.EndpointHealth.Transition;

class EndpointHealthTest {

    static final long S = 1_000_000_000L;

    final List<Endpoint> pool = List.of(Endpoint.of("a", "10.0.0.1:8000", Map.of()),
            Endpoint.of("b", "10.0.0.2:8000", Map.of()), Endpoint.of("c", "10.0.0.3:8000", Map.of()),
            Endpoint.of("d", "10.0.0.4:8000", Map.of()));
    final EndpointHealth health = new EndpointHealth();
    final List<Transition> told = new ArrayList<>();

    @BeforeEach
    void setUp() {
        health.useSettings(new EndpointHealth.Settings(3, Duration.ofSeconds(10), Duration.ofSeconds(25), 50));
        health.onTransition(told::add);
    }

    private void fail(String name, int times, long now) {
        for (int i = 0; i < times; i++) {
            health.failure(name, Failure.TIMEOUT, pool, now);
        }
    }

    private List<String> schedulable(long now) {
        return health.schedulable(pool, now).stream().map(Endpoint::name).toList();
    }

    @Test
    void consecutiveFailuresEjectForAGrowingCappedTime() {
        fail("a", 2, 0);
        assertThat(health.state("a", 0)).isEqualTo(State.HEALTHY);
        fail("a", 1, 0);
        assertThat(health.state("a", 0)).isEqualTo(State.EJECTED);
        assertThat(schedulable(1)).containsExactly("b", "c", "d");
        assertThat(health.ejectedCount()).isEqualTo(1);
        assertThat(told).containsExactly(new Transition("a", State.HEALTHY, State.EJECTED, told.get(0).reason()));
        assertThat(told.get(0).reason()).contains("3 consecutive failures").contains("timeout").contains("PT10S");

        // failures of requests already sent do not extend the ejection
        fail("a", 5, 5 * S);
        assertThat(health.state("a", 10 * S)).isEqualTo(State.HEALTHY);
        health.sweep(pool, 10 * S);
        assertThat(told).hasSize(2);
        assertThat(told.get(1).to()).isEqualTo(State.HEALTHY);
        assertThat(told.get(1).reason()).isEqualTo("ejection time is up");
        assertThat(health.ejectedCount()).isZero();

        fail("a", 3, 11 * S); // second ejection: twice as long
        assertThat(health.state("a", 11 * S + 20 * S - 1)).isEqualTo(State.EJECTED);
        assertThat(health.state("a", 31 * S)).isEqualTo(State.HEALTHY);
        health.sweep(pool, 31 * S);
        fail("a", 3, 32 * S); // third: 30 s, capped at 25 s
        assertThat(health.state("a", 32 * S + 25 * S - 1)).isEqualTo(State.EJECTED);
        assertThat(health.state("a", 57 * S)).isEqualTo(State.HEALTHY);
    }

    @Test
    void aSuccessStartsTheCountAgain() {
        fail("a", 2, 0);
        health.success("a", 0);
        fail("a", 2, 0);
        assertThat(health.state("a", 0)).isEqualTo(State.HEALTHY);
        fail("a", 1, 0);
        assertThat(health.state("a", 0)).isEqualTo(State.EJECTED);
    }

    @Test
    void theEjectionCountDecaysWhileAnEndpointStaysHealthy() {
        fail("a", 3, 0); // ejection #1, 10 s
        health.sweep(pool, 10 * S);
        health.sweep(pool, 20 * S); // a base interval back: count decays to 0
        fail("a", 3, 21 * S);
        assertThat(health.state("a", 21 * S + 10 * S - 1)).isEqualTo(State.EJECTED);
        assertThat(health.state("a", 31 * S)).as("a first ejection again, not a second").isEqualTo(State.HEALTHY);
    }

    @Test
    void atMostTheConfiguredShareIsEjectedAndNeverTheLastEndpoint() {
        fail("a", 3, 0);
        fail("b", 3, 0);
        fail("c", 3, 0); // 50 % of 4 is 2: c stays
        assertThat(schedulable(1)).containsExactly("c", "d");
        assertThat(health.ejectedCount()).isEqualTo(2);

        EndpointHealth lone = new EndpointHealth();
        lone.useSettings(new EndpointHealth.Settings(1, Duration.ofSeconds(10), Duration.ofSeconds(10), 100));
        List<Endpoint> one = pool.subList(0, 1);
        lone.failure("a", Failure.CONNECT, one, 0);
        assertThat(lone.schedulable(one, 1)).as("the only endpoint is never ejected").hasSize(1);

        List<Endpoint> two = pool.subList(0, 2);
        lone.failure("a", Failure.CONNECT, two, 0);
        lone.failure("b", Failure.CONNECT, two, 0);
        assertThat(lone.schedulable(two, 1)).as("at least one stays, even at 100 %").extracting(Endpoint::name)
                .containsExactly("b");
    }

    @Test
    void atLeastOneEndpointMayBeEjectedWhateverThePercentRoundsTo() {
        EndpointHealth h = new EndpointHealth();
        h.useSettings(new EndpointHealth.Settings(1, Duration.ofSeconds(10), Duration.ofSeconds(10), 10));
        h.failure("a", Failure.SERVER_ERROR, pool, 0); // 10 % of 4 rounds to 0; one is allowed
        assertThat(h.state("a", 0)).isEqualTo(State.EJECTED);
        h.failure("b", Failure.SERVER_ERROR, pool, 0);
        assertThat(h.state("b", 0)).isEqualTo(State.HEALTHY);
    }

    @Test
    void offEjectsNothing() {
        EndpointHealth h = new EndpointHealth();
        for (int i = 0; i < 100; i++) {
            h.failure("a", Failure.RESET, pool, 0);
        }
        assertThat(h.schedulable(pool, 1)).isSameAs(pool);
    }

    @Test
    void staleMetricsMakeAnEndpointUnschedulableUntilAScrapeSucceeds() {
        health.useStaleAfter(Duration.ofSeconds(2));
        for (Endpoint e : pool) {
            health.scrapeSucceeded(e.name(), 0);
        }
        health.scrapeSucceeded("a", S);
        health.scrapeFailed("b", S);
        health.scrapeFailed("b", 2 * S);
        assertThat(schedulable(2 * S)).containsExactly("a", "b", "c", "d");
        health.scrapeSucceeded("a", 3 * S);
        health.scrapeSucceeded("c", 3 * S);
        health.scrapeSucceeded("d", 3 * S);
        assertThat(schedulable(3 * S)).as("b had no success for 3 s").containsExactly("a", "c", "d");
        health.sweep(pool, 3 * S);
        assertThat(health.unschedulableCount()).isEqualTo(1);
        assertThat(told).singleElement().satisfies(t -> {
            assertThat(t.endpoint()).isEqualTo("b");
            assertThat(t.to()).isEqualTo(State.UNSCHEDULABLE);
            assertThat(t.reason()).contains("PT2S");
        });
        health.sweep(pool, 3 * S);
        assertThat(told).as("told once per transition").hasSize(1);

        health.scrapeSucceeded("b", 4 * S);
        assertThat(schedulable(4 * S)).containsExactly("a", "b", "c", "d");
        assertThat(told).hasSize(2);
        assertThat(told.get(1).to()).isEqualTo(State.HEALTHY);
        assertThat(told.get(1).reason()).isEqualTo("metrics scraped again");
    }

    @Test
    void anEndpointWhoseScrapesNeverSucceedGoesStaleFromTheFirstAttempt() {
        health.useStaleAfter(Duration.ofSeconds(2));
        health.scrapeFailed("a", 0);
        assertThat(health.state("a", 2 * S)).isEqualTo(State.HEALTHY);
        assertThat(health.state("a", 2 * S + 1)).isEqualTo(State.UNSCHEDULABLE);
        assertThat(health.state("b", 100 * S)).as("never reported by a scraper: no staleness")
                .isEqualTo(State.HEALTHY);
    }

    @Test
    void endpointsThatLeftThePoolAreForgotten() {
        health.useStaleAfter(Duration.ofSeconds(2));
        fail("a", 3, 0);
        health.scrapeFailed("z-gone", 0);
        health.sweep(pool.subList(1, 4), 1);
        assertThat(health.state("a", 1)).isEqualTo(State.HEALTHY);
        assertThat(health.state("z-gone", 10 * S)).isEqualTo(State.HEALTHY);
        assertThat(health.ejectedCount()).isZero();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new EndpointHealth.Settings(-1, Duration.ofSeconds(1), Duration.ofSeconds(1), 10))
                .hasMessageContaining("consecutive failures");
        assertThatThrownBy(() -> new EndpointHealth.Settings(1, Duration.ZERO, Duration.ofSeconds(1), 10))
                .hasMessageContaining("base ejection time");
        assertThatThrownBy(() -> new EndpointHealth.Settings(1, Duration.ofSeconds(2), Duration.ofSeconds(1), 10))
                .hasMessageContaining("max ejection time");
        assertThatThrownBy(() -> new EndpointHealth.Settings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 101))
                .hasMessageContaining("percent");
    }
}
