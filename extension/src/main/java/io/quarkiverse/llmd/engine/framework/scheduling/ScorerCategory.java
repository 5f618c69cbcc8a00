package io.quarkiverse.llmd.engine.framework.scheduling;

/** What a scorer optimises for; informational, as in llm-d. */
public enum ScorerCategory {
    /** Sticks requests to endpoints that already hold their state (prefix cache, LoRA, session). */
    AFFINITY,
    /** Spreads requests (for instance towards least recently used endpoints). */
    DISTRIBUTION,
    /** Balances load (queue, KV usage, in-flight work). */
    BALANCE
}
