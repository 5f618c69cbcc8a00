package io.quarkiverse.llmd.runtime.director;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.runtime.datalayer.EndpointRegistry;

/**
 * The request pipeline shared by the ext_proc endpoint picker and the OpenAI proxy (reference scheduler-epp.md
 * 3.1): parse, resolve objective and priority, locate candidates (subset hint), admit, schedule, run the
 * pre-request hooks. Runs on the caller's thread (an event loop) and takes microseconds: it never blocks.
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

    public RequestDirector(Scheduler scheduler, EndpointRegistry registry, Admission admission,
            Map<String, Integer> objectivePriorities, Clock clock) {
        this.scheduler = scheduler;
        this.registry = registry;
        this.admission = admission;
        this.objectivePriorities = Map.copyOf(objectivePriorities);
        this.clock = clock;
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
        // Completes at once today; flow control (queueing under saturation) completes it later, from a timer.
        return CompletableFuture.completedFuture(decideNow(path, headers, body, subsetHint));
    }

    /** The synchronous pipeline: no queueing, the answer is immediate. */
    Decision decideNow(String path, Map<String, String> headers, byte[] body, List<String> subsetHint) {
        InferenceRequest request;
        try {
            request = parser.parse(path, headers, body);
        } catch (InvalidRequestException e) {
            return Decision.Rejected.badRequest(e.getMessage());
        }
        byte[] forwardBody = request.targetModel().equals(request.model()) ? body : rewriteModel(body,
                request.targetModel());
        int priority = priorityOf(headers.get(OBJECTIVE_HEADER));

        List<Endpoint> candidates = candidates(subsetHint);
        if (candidates.isEmpty()) {
            return Decision.Rejected.noCandidates(subsetHint == null ? "no endpoints available in the pool"
                    : "no endpoint of the pool matches the subset hint " + subsetHint);
        }
        SchedulingContext context = new SchedulingContext(request, clock.instant(), ThreadLocalRandom.current());
        Decision.Rejected refused = admission.admit(context, candidates, priority);
        if (refused != null) {
            return refused;
        }
        SchedulingResult result = scheduler.schedule(context, candidates);
        if (!result.succeeded()) {
            return Decision.Rejected.exhausted("failed to find a candidate endpoint for the request", null);
        }
        scheduler.preRequest(context, result);
        return new RoutedRequest(scheduler, context, result, forwardBody, priority);
    }

    /** Priority of the named objective: 0 when absent or unknown, as llm-d treats them. */
    public int priorityOf(String objective) {
        if (objective == null) {
            return 0;
        }
        Integer priority = objectivePriorities.get(objective);
        return priority == null ? 0 : priority;
    }

    private List<Endpoint> candidates(List<String> subsetHint) {
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
    static String hostOf(String address) {
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
