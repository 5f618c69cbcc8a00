package io.quarkiverse.llmd.engine.framework.scheduling;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;

/**
 * Which stages a disaggregated request was split into; the label of llm-d's
 * {@code llm_d_inference_scheduler_disagg_decision_total{decision_type}}. The profile handler stores it in the
 * context under {@link #KEY} when scheduling succeeds.
 */
public enum DisaggDecision {

    DECODE_ONLY("decode-only"),
    PREFILL_DECODE("prefill-decode"),
    ENCODE_DECODE("encode-decode"),
    ENCODE_PREFILL_DECODE("encode-prefill-decode");

    /** Where the decision of the current request is found: {@code context.get(DisaggDecision.KEY)}. */
    public static final DataKey<DisaggDecision> KEY = DataKey.of("DisaggDecision", DisaggDecision.class, null);

    private final String label;

    DisaggDecision(String label) {
        this.label = label;
    }

    /** The metric label value, for instance {@code prefill-decode}. */
    public String label() {
        return label;
    }

    public static DisaggDecision of(boolean encoded, boolean prefilled) {
        if (encoded) {
            return prefilled ? ENCODE_PREFILL_DECODE : ENCODE_DECODE;
        }
        return prefilled ? PREFILL_DECODE : DECODE_ONLY;
    }
}
