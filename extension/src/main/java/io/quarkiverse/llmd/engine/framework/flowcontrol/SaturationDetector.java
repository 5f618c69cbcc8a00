package io.quarkiverse.llmd.engine.framework.flowcontrol;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * Tells how loaded the pool is, for admission (legacy: sheddable requests are rejected at saturation {@code >= 1.0})
 * and for flow control (a band dispatches only while saturation is below its ceiling). Reference scheduler-epp.md
 * section 5. The built-in detectors are also scheduling filters, so the same plugin can drop the saturated endpoints
 * inside a profile.
 */
public interface SaturationDetector extends Plugin {

    /**
     * Pool saturation over the candidates: 0 is idle, 1.0 is full, values above 1 mean over-committed.
     *
     * @param context the request's context, for the time ({@link SchedulingContext#now()}) and per-request data such
     *        as the in-flight load; the caller must have run the producers the detector consumes
     * @param candidates the endpoints the request could go to; empty means no capacity at all (saturation 1.0)
     */
    double saturation(SchedulingContext context, List<Endpoint> candidates);

    /**
     * The most requests this detector lets {@code endpoint} hold now, or 0 when it does not bound endpoints one by
     * one (a detector of scraped queues and KV usage judges the pool, not a count per endpoint). The variant
     * autoscaler reads it as a batch limit the gateway sets: a replica the gateway stops feeding at 152 requests
     * never runs a batch of 256, whatever its engine could.
     *
     * @param context as for {@link #saturation}, with the detector's producers run
     * @param endpoint the endpoint asked about
     * @param pool every endpoint of the pool, for detectors that size an endpoint relative to the others
     */
    default double admissionLimit(SchedulingContext context, Endpoint endpoint, List<Endpoint> pool) {
        return 0;
    }
}
