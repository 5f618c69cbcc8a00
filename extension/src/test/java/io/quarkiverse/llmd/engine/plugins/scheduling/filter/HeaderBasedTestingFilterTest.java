package io.quarkiverse.llmd.engine.plugins.scheduling.filter;

import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.plugins.scheduling.filter.testing.HeaderBasedTestingFilter;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class HeaderBasedTestingFilterTest {

    private final HeaderBasedTestingFilter filter = new HeaderBasedTestingFilter("t");

    private final List<Endpoint> pool = List.of(
            endpoint("a", "10.0.0.1:8000", Map.of()),
            endpoint("b", "10.0.0.2:8000", Map.of()),
            endpoint("c-rank0", "10.0.0.3:3000", Map.of()),
            endpoint("c-rank1", "10.0.0.3:3002", Map.of()),
            endpoint("v6", "[fd00::a]:8000", Map.of()));

    private List<String> steer(String header) {
        Map<String, String> headers = header == null ? Map.of() : Map.of(HeaderBasedTestingFilter.HEADER, header);
        return filter.filter(Fixtures.context(Fixtures.request("m", "hi", headers)), pool).stream()
                .map(Endpoint::address).toList();
    }

    @Test
    void absentOrEmptyHeaderLeavesNothing() {
        assertThat(steer(null)).isEmpty();
        assertThat(steer("")).isEmpty();
        assertThat(steer(" , ")).isEmpty();
    }

    @Test
    void keepsNamedEndpointsInHeaderOrder() {
        assertThat(steer("10.0.0.2")).containsExactly("10.0.0.2:8000");
        assertThat(steer("10.0.0.2, 10.0.0.1:8000")).containsExactly("10.0.0.2:8000", "10.0.0.1:8000");
        assertThat(steer("10.0.0.9")).isEmpty();
    }

    @Test
    void deduplicatesByIp() {
        assertThat(steer("10.0.0.1,10.0.0.2,10.0.0.1:8000")).containsExactly("10.0.0.1:8000", "10.0.0.2:8000");
        assertThat(steer("10.0.0.3:3002,10.0.0.3:3000")).containsExactly("10.0.0.3:3002");
    }

    @Test
    void portSelectsTheDataParallelRankOtherwiseFirstOnTheIp() {
        assertThat(steer("10.0.0.3:3002")).containsExactly("10.0.0.3:3002");
        assertThat(steer("10.0.0.3")).containsExactly("10.0.0.3:3000");
        assertThat(steer("10.0.0.3:9999")).containsExactly("10.0.0.3:3000");
    }

    @Test
    void ipv6WithAndWithoutBrackets() {
        assertThat(steer("fd00::a")).containsExactly("[fd00::a]:8000");
        assertThat(steer("[fd00::a]")).containsExactly("[fd00::a]:8000");
        assertThat(steer("[FD00::A]:8000,10.0.0.1")).containsExactly("[fd00::a]:8000", "10.0.0.1:8000");
        assertThat(steer("fd00::b")).isEmpty();
    }

    @Test
    void malformedEntriesAreSkipped() {
        assertThat(steer("10.0.0.1:http,[fd00::a,10.0.0.2")).containsExactly("10.0.0.2:8000");
    }
}
