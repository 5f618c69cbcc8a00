package io.quarkiverse.llmd.engine.autoscaling;

/** What a variant's replicas do for a request, as the {@code llm-d.ai/role} label says. */
public enum Role {
    /** prefill and decode on the same replica (aggregated serving) */
    BOTH("both"),
    /** prefill only; hands the KV cache to a decode replica */
    PREFILL("prefill"),
    /** decode only; receives the KV cache from a prefill replica */
    DECODE("decode");

    private final String label;

    Role(String label) {
        this.label = label;
    }

    /** The value of the {@code llm-d.ai/role} label. */
    public String label() {
        return label;
    }

    /** The role a label names; absent or unknown labels mean {@link #BOTH}. */
    public static Role fromLabel(String label) {
        for (Role r : values()) {
            if (r.label.equals(label)) {
                return r;
            }
        }
        return BOTH;
    }
}
