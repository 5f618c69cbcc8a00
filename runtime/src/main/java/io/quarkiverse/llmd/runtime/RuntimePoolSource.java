package io.quarkiverse.llmd.runtime;

/**
 * A bean that adds pools while the gateway runs, through {@link DynamicPools} (the LLMInferenceService watch). When
 * one is active and the flat {@code quarkus.llmd.*} properties declare nothing of their own, the gateway starts
 * without the implicit default pool (and without the embedded fleet that would fill it): a request for a model no
 * added pool serves then gets 404, not an empty catch-all pool's 503, and readiness does not wait for a pool nobody
 * will fill.
 */
public interface RuntimePoolSource {

    /** Whether this source is switched on by configuration. */
    boolean active();

    /** Whether any of {@code sources} is switched on. */
    static boolean anyActive(Iterable<RuntimePoolSource> sources) {
        for (RuntimePoolSource s : sources) {
            if (s.active()) {
                return true;
            }
        }
        return false;
    }
}
