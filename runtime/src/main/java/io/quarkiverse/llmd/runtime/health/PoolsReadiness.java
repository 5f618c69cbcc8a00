package io.quarkiverse.llmd.runtime.health;

import java.util.List;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;

/**
 * Readiness on {@code /q/health/ready}: DOWN while any pool has no schedulable endpoint (none at all, or all with
 * stale metrics; outlier detection never ejects the last one), so a gateway whose pods are not there
 * yet (or whose configuration names none) is not sent traffic it could only refuse. The gRPC health service of the
 * endpoint picker answers from the same rule, as llm-d's EPP is ready once its pool is synced.
 */
@Readiness
@Singleton
public class PoolsReadiness implements HealthCheck {

    private final Pools pools;

    public PoolsReadiness(Pools pools) {
        this.pools = pools;
    }

    /** The names of the pools that have no schedulable endpoint now. */
    static List<String> emptyPools(Pools pools) {
        return pools.all().stream().filter(p -> p.pipeline().schedulableEndpoints().isEmpty()).map(Pool::name)
                .toList();
    }

    @Override
    public HealthCheckResponse call() {
        List<String> empty = emptyPools(pools);
        HealthCheckResponseBuilder r = HealthCheckResponse.named("llm-d pools").status(empty.isEmpty());
        for (Pool p : pools.all()) {
            r.withData(p.name(), p.registry().endpoints().size() + " endpoint(s), "
                    + p.pipeline().schedulableEndpoints().size() + " schedulable");
        }
        return r.build();
    }
}
