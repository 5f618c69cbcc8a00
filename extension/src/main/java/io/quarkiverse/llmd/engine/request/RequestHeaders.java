package io.quarkiverse.llmd.engine.request;

import java.util.Map;
import java.util.Set;

/**
 * The request headers the EPP reads, under llm-d v0.10's {@code x-llm-d-*} names with the older
 * {@code x-gateway-*} / {@code x-slo-*} names accepted as aliases (reference llm-d-v0.10-deltas.md 4.2). The
 * canonical name wins when a request carries both.
 */
public final class RequestHeaders {

    public static final String FAIRNESS_ID = "x-llm-d-inference-fairness-id";
    public static final String FAIRNESS_ID_LEGACY = "x-gateway-inference-fairness-id";
    public static final String OBJECTIVE = "x-llm-d-inference-objective";
    public static final String OBJECTIVE_LEGACY = "x-gateway-inference-objective";
    public static final String MODEL_REWRITE = "x-llm-d-model-name-rewrite";
    public static final String MODEL_REWRITE_LEGACY = "x-gateway-model-name-rewrite";
    public static final String SLO_TTFT_MS = "x-llm-d-slo-ttft-ms";
    public static final String SLO_TTFT_MS_LEGACY = "x-slo-ttft-ms";
    public static final String SLO_TPOT_MS = "x-llm-d-slo-tpot-ms";
    public static final String SLO_TPOT_MS_LEGACY = "x-slo-tpot-ms";

    /**
     * Names the pool an ext_proc request belongs to, set by the route (ours, beyond llm-d, whose EPP serves one
     * pool); without it the pool is chosen by the request's model.
     */
    public static final String POOL = "x-llm-d-pool";

    private static final Map<String, String> LEGACY = Map.of(FAIRNESS_ID, FAIRNESS_ID_LEGACY, OBJECTIVE,
            OBJECTIVE_LEGACY, MODEL_REWRITE, MODEL_REWRITE_LEGACY, SLO_TTFT_MS, SLO_TTFT_MS_LEGACY, SLO_TPOT_MS,
            SLO_TPOT_MS_LEGACY);

    /**
     * Headers the route (or the EPP itself) sets: ext_proc never echoes them back to the model server. The proxy, with
     * no route in front, drops the model-rewrite and pool headers from clients (rewrites come from configuration);
     * fairness id and objective stay, being how proxy clients name their tenant and priority.
     */
    public static final Set<String> ROUTE_OWNED = Set.of(FAIRNESS_ID, FAIRNESS_ID_LEGACY, OBJECTIVE, OBJECTIVE_LEGACY,
            MODEL_REWRITE, MODEL_REWRITE_LEGACY, POOL);

    private RequestHeaders() {
    }

    /**
     * The value of a header by its canonical name, falling back to its legacy alias.
     *
     * @param headers request headers with lower-case names
     * @param canonical one of this class's canonical names
     * @return the value, or null when neither name is present
     */
    public static String get(Map<String, String> headers, String canonical) {
        String value = headers.get(canonical);
        if (value != null) {
            return value;
        }
        String legacy = LEGACY.get(canonical);
        return legacy == null ? null : headers.get(legacy);
    }
}
