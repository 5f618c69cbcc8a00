package io.quarkiverse.llmd.it.pd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.pd.SsrfGuard;

/** The P/D sidecar's SSRF guard matches host and port against the pool's members, in every spelling of an IP. */
class SsrfGuardTest {

    static SsrfGuard guard(boolean enabled) {
        EndpointRegistry pool = new EndpointRegistry();
        pool.replaceAll(List.of(Endpoint.of("ns/v4-rank-0", "10.0.0.1:8000", Map.of()),
                Endpoint.of("ns/v4-rank-1", "10.0.0.1:8001", Map.of()),
                Endpoint.of("ns/v6-rank-0", "[fd00::5]:8200", Map.of()),
                Endpoint.of("ns/named-rank-0", "vllm-0.pool.ns.svc:8000", Map.of())));
        return new SsrfGuard(pool, enabled);
    }

    @ParameterizedTest
    @CsvSource({
            "10.0.0.1:8000, 10.0.0.1:8000",
            "10.0.0.1:8001, 10.0.0.1:8001",
            " 10.0.0.1:8000 , 10.0.0.1:8000",
            "[fd00::5]:8200, [fd00::5]:8200",
            "[FD00::5]:8200, [fd00::5]:8200",
            "[fd00:0:0:0:0:0:0:5]:8200, [fd00::5]:8200",
            "[fd00:0000::0005]:8200, [fd00::5]:8200",
            "[::ffff:10.0.0.1]:8000, 10.0.0.1:8000",
            "VLLM-0.pool.ns.svc:8000, vllm-0.pool.ns.svc:8000",
            "vllm-0.pool.ns.svc.:8000, vllm-0.pool.ns.svc:8000",
    })
    void aMemberIsAllowedAndReachedAtItsOwnAddress(String named, String member) {
        assertThat(guard(true).target(named)).isEqualTo(member);
        assertThat(guard(true).allowed(named)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "10.0.0.1:22", // same IP, another port: the hole this guard closes
            "10.0.0.1:9090",
            "10.0.0.1", // no port: not "any port"
            "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:-8000", "10.0.0.1:8000/admin",
            "10.0.0.2:8000",
            "127.0.0.1:8000",
            "[fd00::5]:22", "[fd00::5]", "fd00::5", "[fd00::6]:8200", "[fd00::5%eth0]:8200", "[fd00::5]8200",
            "fd00::5:8200", // a bare IPv6 address has no port
            "10.0.0.1:8000@evil.example:80", "evil.example:8000", "vllm-0.pool.ns.svc:8001",
            "vllm-0.pool.ns.svc@evil:8000", "256.0.0.1:8000", "10.0.0.1.1:8000", "[]:8000", ":8000", "", " ",
    })
    void anythingElseIsRefused(String named) {
        assertThat(guard(true).target(named)).as(named).isNull();
        assertThat(guard(true).allowed(named)).as(named).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "10.0.0.1:22", "evil.example:80" })
    void offItLetsEverythingThroughAsNamed(String named) {
        assertThat(guard(false).target(named)).isEqualTo(named);
    }
}
