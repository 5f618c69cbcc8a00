package io.quarkiverse.llmd.runtime.director;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg.DisaggDecision;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.datalayer.EndpointRegistry;
import io.quarkiverse.llmd.runtime.metrics.EppMetrics;

/**
 * The request pipeline shared by the ext_proc endpoint picker and the OpenAI proxy (reference scheduler-epp.md
 * 3.1): parse, resolve objective and priority, locate candidates (subset hint), admit, schedule, run the
 * pre-request hooks. Runs on the caller's thread (an event loop) and takes microseconds: it never blocks.
 * <p>
 * With flow control on ({@link #enableFlowControl}), admission is a queue instead: the decision completes later,
 * when the dispatch cycle releases the request (it is scheduled then, against the endpoints of that moment), or
 * with a refusal (capacity 429, TTL 503, client cancellation 503). Metrics are recorded here and in the
 * {@link RoutedRequest} lifecycle.
 */
public final class RequestDirector {

    /** Header selecting an InferenceObjective by name. */
    public static final String OBJECTIVE_HEADER = "x-gateway-inference-objective";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Scheduler scheduler;
    private final EndpointRegistry registry;
    private final Admission admission;
    private final Map<String, Integer> objectivePriorities;
    private final Clock clock;
    private final OpenAiRequestParser parser = new OpenAiRequestParser();
    private final EppMetrics metrics;
    private final LongSupplier nanoTime;
    private volatile DecisionObserver observer;
    private volatile FlowGate flowGate;
    private volatile Supplier<Executor> callerExecutor = () -> null;

    public RequestDirector(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            Map<String, Integer> objectivePriorities, Clock clock) {
        this(scheduler, registry, admission, objectivePriorities, clock, EppMetrics.NOOP, System::nanoTime);
    }

    /**
     * @param metrics where requests are recorded ({@link EppMetrics#NOOP} for none)
     * @param nanoTime monotonic time for durations and flow-control waits ({@code System::nanoTime})
     */
    public RequestDirector(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            Map<String, Integer> objectivePriorities, Clock clock, EppMetrics metrics, LongSupplier nanoTime) {
        this.scheduler = scheduler;
        this.registry = registry;
        this.admission = admission;
        this.objectivePriorities = Map.copyOf(objectivePriorities);
        this.clock = clock;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
    }

    /**
     * Switches on flow control (the {@code flowControl} feature gate): from now on every request is queued and
     * released by the dispatch cycle; the legacy admission no longer applies. Call once, before serving.
     *
     * @param config the validated {@code flowControl} section
     * @param probe the pool's saturation detector
     * @param ticker runs the dispatch cycle while requests wait
     * @param dispatchInterval period of the cycle
     * @param expiryInterval how often TTLs are checked
     * @param maxDispatchPerCycle most requests one cycle releases
     * @param callerExecutor the caller's context (its event loop) at submission, on which the decision completes;
     *        a supplier returning null completes on the ticker's thread
     */
    public void enableFlowControl(FlowControlConfig config, SaturationProbe probe, FlowTicker ticker,
            java.time.Duration dispatchInterval, java.time.Duration expiryInterval, int maxDispatchPerCycle,
            Supplier<Executor> callerExecutor) {
        this.callerExecutor = callerExecutor == null ? () -> null : callerExecutor;
        this.flowGate = new FlowGate(this, config, probe,
                new FlowGate.Settings(dispatchInterval, expiryInterval, maxDispatchPerCycle), ticker, metrics,
                nanoTime, clock);
    }

    public boolean flowControlEnabled() {
        return flowGate != null;
    }

    /** The flow-control settings in force, or null when flow control is off. */
    public FlowControlConfig flowControlConfig() {
        FlowGate g = flowGate;
        return g == null ? null : g.config();
    }

    /** Requests waiting in flow control. */
    public int flowControlQueueSize() {
        FlowGate g = flowGate;
        return g == null ? 0 : g.queued();
    }

    /** Runs one flow-control cycle now (expiry, then dispatch); the ticker does this periodically. */
    public void runFlowControlCycle() {
        FlowGate g = flowGate;
        if (g != null) {
            g.cycle();
        }
    }

    public EppMetrics metrics() {
        return metrics;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public EndpointRegistry registry() {
        return registry;
    }

    /**
     * Decides where a request goes.
     *
     * @param path the request path ({@code :path}), which tells the API apart
     * @param headers request headers, lower-case names
     * @param body the complete request body
     * @param subsetHint addresses the proxy allows ({@code x-gateway-destination-endpoint-subset}), or null when it
     *        sent no hint; matched by IP only, as llm-d does
     */
    public CompletionStage<Decision> decide(String path, Map<String, String> headers, byte[] body,
            List<String> subsetHint) {
        return submit(path, headers, body, subsetHint);
    }

    /**
     * Like {@link #decide} but returns the {@link PendingDecision}, through which the edge can {@link
     * PendingDecision#cancel() cancel} a request still waiting in flow control when its client goes away. Without
     * flow control the decision is complete on return.
     */
    public PendingDecision submit(String path, Map<String, String> headers, byte[] body, List<String> subsetHint) {
        long received = nanoTime.getAsLong();
        InferenceRequest request;
        try {
            request = parser.parse(path, headers, body);
        } catch (InvalidRequestException e) {
            return PendingDecision.completed(rejected(null, 0, Decision.Rejected.badRequest(e.getMessage())));
        }
        byte[] forwardBody = request.targetModel().equals(request.model()) ? body : rewriteModel(body,
                request.targetModel());
        int priority = priorityOf(headers.get(OBJECTIVE_HEADER));
        FlowGate gate = flowGate;
        if (gate == null) {
            return PendingDecision.completed(decideNow(request, forwardBody, priority, subsetHint, received, true));
        }
        // Nothing to wait for when no endpoint could ever take the request.
        if (candidates(subsetHint).isEmpty()) {
            return PendingDecision.completed(rejected(request, priority, noCandidates(subsetHint)));
        }
        PendingDecision pending = new PendingDecision(request, forwardBody, priority, subsetHint, received,
                callerExecutor.get());
        String fairnessId = headers.get(FlowControlConfig.FAIRNESS_ID_HEADER);
        gate.submit(pending, fairnessId);
        return pending;
    }

    /** Schedules a request flow control released: fresh candidates, no further admission. */
    Decision route(PendingDecision pending) {
        return decideNow(pending.request, pending.forwardBody, pending.priority, pending.subsetHint,
                pending.receivedNanos, false);
    }

    /** Installs (or, with null, removes) the observer of scheduling cycles. */
    public void observe(DecisionObserver newObserver) {
        this.observer = newObserver;
    }

    /** The synchronous pipeline: admission (unless flow control already admitted), scheduling, pre-request. */
    private Decision decideNow(InferenceRequest request, byte[] forwardBody, int priority, List<String> subsetHint,
            long received, boolean admit) {
        List<Endpoint> candidates = candidates(subsetHint);
        if (candidates.isEmpty()) {
            return rejected(request, priority, noCandidates(subsetHint));
        }
        SchedulingContext context = new SchedulingContext(request, clock.instant(), ThreadLocalRandom.current());
        if (admit) {
            Decision.Rejected refused = admission.admit(context, candidates, priority);
            if (refused != null) {
                return rejected(request, priority, refused);
            }
        }
        DecisionObserver watching = observer;
        if (watching != null) {
            context.trace(watching.trace());
        }
        long start = nanoTime.getAsLong();
        SchedulingResult result = scheduler.schedule(context, candidates);
        long took = nanoTime.getAsLong() - start;
        if (watching != null) {
            watching.decided(context, result);
        }
        if (!result.succeeded()) {
            metrics.schedulingAttempt(took, false, request.targetModel(), null);
            return rejected(request, priority,
                    Decision.Rejected.exhausted("failed to find a candidate endpoint for the request", null));
        }
        metrics.schedulingAttempt(took, true, request.targetModel(), result.primary().primary());
        scheduler.preRequest(context, result);
        DisaggDecision disagg = context.get(DisaggDecision.KEY);
        metrics.routed(request, priority, forwardBody.length,
                disagg == null ? null : disagg.label());
        return new RoutedRequest(scheduler, context, result, forwardBody, priority, metrics, nanoTime, received, null);
    }

    private static Decision.Rejected noCandidates(List<String> subsetHint) {
        return Decision.Rejected.noCandidates(subsetHint == null ? "no endpoints available in the pool"
                : "no endpoint of the pool matches the subset hint " + subsetHint);
    }

    private Decision.Rejected rejected(InferenceRequest request, int priority, Decision.Rejected rejected) {
        metrics.requestError(request, priority, rejected.code());
        return rejected;
    }

    /** Priority of the named objective: 0 when absent or unknown, as llm-d treats them. */
    public int priorityOf(String objective) {
        if (objective == null) {
            return 0;
        }
        Integer priority = objectivePriorities.get(objective);
        return priority == null ? 0 : priority;
    }

    /**
     * The endpoints a request may go to: the whole pool, or those whose IP is in the subset hint (matched by IP
     * only, as llm-d does); null hint means no hint.
     */
    public List<Endpoint> candidates(List<String> subsetHint) {
        List<Endpoint> all = registry.endpoints();
        if (subsetHint == null) {
            return all;
        }
        List<Endpoint> matching = new ArrayList<>(Math.min(all.size(), subsetHint.size()));
        for (Endpoint e : all) {
            String host = e.host();
            for (String hint : subsetHint) {
                if (host.equals(hostOf(hint))) {
                    matching.add(e);
                    break;
                }
            }
        }
        return matching;
    }

    /** The IP of an {@code ip:port} entry (port stripped at the last colon unless it is a bare IPv6 address). */
    public static String hostOf(String address) {
        String a = address.trim();
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            return close < 0 ? a : a.substring(0, close + 1);
        }
        int first = a.indexOf(':');
        int last = a.lastIndexOf(':');
        if (first >= 0 && first != last) {
            return "[" + a + "]"; // bare IPv6 without port
        }
        return last < 0 ? a : a.substring(0, last);
    }

    /** Replaces the body's {@code model} with the rewrite target; key order is not preserved, as in llm-d. */
    private static byte[] rewriteModel(byte[] body, String targetModel) {
        try {
            JsonNode tree = JSON.readTree(body);
            ((ObjectNode) tree).put("model", targetModel);
            return JSON.writeValueAsBytes(tree);
        } catch (java.io.IOException | ClassCastException e) {
            return body; // the parser accepted it, so this cannot happen; forwarding unchanged is the safe fallback
        }
    }
}
