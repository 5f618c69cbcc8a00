package io.quarkiverse.llmd.runtime.health;

import java.util.List;
import java.util.Set;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.runtime.DynamicPools;
import io.quarkiverse.llmd.runtime.extproc.ExtProcWarmUp;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.engine.pool.Pools;

/**
 * Readiness on {@code /q/health/ready}: DOWN while any configured pool has no schedulable endpoint (none at all, or
 * all with stale metrics; outlier detection never ejects the last one), so a gateway whose pods are not there
 * yet (or whose configuration names none) is not sent traffic it could only refuse; and DOWN while the ext_proc
 * warm-up runs ({@link ExtProcWarmUp}), so the first requests do not meet a JVM that has not compiled their path. The gRPC health service of the
 * endpoint picker answers from the same rule, as llm-d's EPP is ready once its pool is synced.
 */
@Readiness
@Singleton
public class PoolsReadiness implements HealthCheck {

    private final PoolDirectory pools;
    private final DynamicPools dynamic;
    private final ExtProcWarmUp warmUp;

    public PoolsReadiness(PoolDirectory pools, DynamicPools dynamic, ExtProcWarmUp warmUp) {
        this.pools = pools;
        this.dynamic = dynamic;
        this.warmUp = warmUp;
    }

    /** Ready: every configured pool has a schedulable endpoint and the ext_proc warm-up has ended. */
    static boolean ready(PoolDirectory pools, DynamicPools dynamic, ExtProcWarmUp warmUp) {
        return warmUp.done() && emptyPools(pools.current(), dynamic).isEmpty();
    }

    /**
     * The names of the configured pools that have no schedulable endpoint now. Pools added at runtime are left out:
     * one LLMInferenceService scaled to zero must not take the gateway, and every other service, out of rotation.
     */
    static List<String> emptyPools(Pools pools, DynamicPools dynamic) {
        Set<String> added = dynamic.names();
        return pools.all().stream()
                .filter(p -> p.pipeline().schedulableEndpoints().isEmpty() && !added.contains(p.name()))
                .map(Pool::name).toList();
    }

    @Override
    public HealthCheckResponse call() {
        Pools now = pools.current();
        List<String> empty = emptyPools(now, dynamic);
        HealthCheckResponseBuilder r = HealthCheckResponse.named("llm-d pools")
                .status(empty.isEmpty() && warmUp.done()).withData("ext_proc warm-up", warmUp.outcome());
        for (Pool p : now.all()) {
            r.withData(p.name(), p.registry().endpoints().size() + " endpoint(s), "
                    + p.pipeline().schedulableEndpoints().size() + " schedulable");
        }
        return r.build();
    }
}
