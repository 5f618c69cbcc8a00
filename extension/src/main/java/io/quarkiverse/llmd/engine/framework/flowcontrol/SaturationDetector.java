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
}
