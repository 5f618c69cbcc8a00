package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.sessionaffinity;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseObserver;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code session-affinity-scorer}: sends a session back to the pod that served it before. The client echoes the
 * {@value #HEADER} header of the previous response; its value is the standard base64 of {@code namespace/podName}.
 * Endpoints of that pod score 1.0 (every rank: endpoint names are {@code <namespace>/<pod>-rank-<i>} or
 * {@code <namespace>/<pod>}), all others 0. A missing or undecodable token scores 0 everywhere, never an error: a
 * stale or mangled token must not fail the request.
 * <p>
 * As a response observer it records the token of the endpoint that served the request, when the response starts
 * (llm-d writes it at end of stream, after the response headers left, so clients may never see it); the runtime reads
 * it with {@link #responseToken(SchedulingContext)} and sets it as the {@value #HEADER} response header.
 */
public final class SessionAffinityScorer implements Scorer, ResponseObserver {

    public static final String TYPE = "session-affinity-scorer";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new SessionAffinityScorer(name);
    };

    /** Request and response header carrying the session token (lower case, as request headers are stored). */
    public static final String HEADER = "x-session-token";

    private static final String RANK_MARKER = "-rank-";
    private static final DataKey<String> RESPONSE_TOKEN = DataKey.of("SessionAffinityResponseToken", String.class,
            null);

    private final TypedName typedName;

    public SessionAffinityScorer(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        String pod = decode(context.request().header(HEADER));
        if (pod == null) {
            return; // scores are zeroed by the framework
        }
        int podLength = podKeyLength(pod);
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            String name = endpoints.get(i).name();
            int nameLength = podKeyLength(name);
            scores[i] = nameLength == podLength && name.regionMatches(0, pod, 0, podLength) ? 1.0 : 0.0;
        }
    }

    @Override
    public void responseStarted(SchedulingContext context, Endpoint served) {
        context.put(RESPONSE_TOKEN, tokenFor(served));
    }

    @Override
    public void responseComplete(SchedulingContext context, Endpoint served, ResponseOutcome outcome) {
        // Covers exchanges that ended without a responseStarted (the response never began).
        if (context.get(RESPONSE_TOKEN) == null && served != null) {
            context.put(RESPONSE_TOKEN, tokenFor(served));
        }
    }

    /**
     * The session token that routes a later request of the same session to {@code endpoint}'s pod: standard base64 of
     * {@code namespace/podName}, the rank suffix dropped.
     */
    public static String tokenFor(Endpoint endpoint) {
        String name = endpoint.name();
        String pod = name.substring(0, podKeyLength(name));
        return Base64.getEncoder().encodeToString(pod.getBytes(StandardCharsets.UTF_8));
    }

    /** The token recorded for the endpoint that served this request, or null before the response started. */
    public static String responseToken(SchedulingContext context) {
        return context.get(RESPONSE_TOKEN);
    }

    /** The {@code namespace/pod} a token names, or null when absent or not valid standard base64. */
    static String decode(String token) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getDecoder().decode(token.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Length of the pod part of an endpoint name: the whole name unless it ends with {@code -rank-<digits>}. */
    static int podKeyLength(String name) {
        int marker = name.lastIndexOf(RANK_MARKER);
        int digits = marker + RANK_MARKER.length();
        if (marker <= 0 || digits == name.length()) {
            return name.length();
        }
        for (int i = digits; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return name.length();
            }
        }
        return marker;
    }
}
