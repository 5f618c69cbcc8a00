package io.quarkiverse.llmd.it.proxy;

import java.util.List;

import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.Decision;

/**
 * Test admission (enabled by {@link FailureFleetProfile} only): refuses requests carrying {@code x-test-shed} as flow
 * control refuses a request when the pool is saturated, with a dropped reason.
 */
// No @Priority: that would enable the alternative for every test app; the profile enables it alone.
@Alternative
@Singleton
public class SheddingAdmission implements Admission {

    @Override
    public Decision.Rejected admit(SchedulingContext context, List<Endpoint> candidates, int priority) {
        return context.request().header("x-test-shed") == null ? null
                : Decision.Rejected.exhausted("request shed: the pool is saturated", "rejected-saturated");
    }
}
