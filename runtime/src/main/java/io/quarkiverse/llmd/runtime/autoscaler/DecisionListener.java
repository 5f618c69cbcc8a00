package io.quarkiverse.llmd.runtime.autoscaler;

/**
 * Receives every decision the autoscaler publishes, after its actuation, as the entry the decision log keeps. A
 * listener is a CDI bean of a module the application chooses to add (CloudEvents through Reactive Messaging, for
 * instance), so that the runtime itself carries no transport.
 *
 * <p>
 * Called on the autoscaler's worker thread, once per decision, in order. A listener must hand the entry off and
 * return at once: the next variant's decision waits for it. An exception it throws is logged and does not stop the
 * loop.
 */
public interface DecisionListener {

    /** One decision, as {@code /q/llmd/autoscaler/decisions} shows it. */
    void decided(AutoscalerDecisionLog.Entry entry);
}
