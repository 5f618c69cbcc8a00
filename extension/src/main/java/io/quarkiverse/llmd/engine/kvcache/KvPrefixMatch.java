package io.quarkiverse.llmd.engine.kvcache;

import java.util.Map;

/**
 * The result of a longest-prefix lookup (reference kvcache-and-sim.md A3.5): for each endpoint, how many of the
 * request's leading blocks it holds without a gap, and the same run weighted by tier (each block counts the highest
 * weight among the tiers the endpoint holds it on).
 */
public interface KvPrefixMatch {

    /** A lookup that matched nothing. */
    KvPrefixMatch NONE = new KvPrefixMatch() {
        @Override
        public int blocks(String endpoint) {
            return 0;
        }

        @Override
        public double score(String endpoint) {
            return 0;
        }

        @Override
        public int totalBlocks() {
            return 0;
        }

        @Override
        public Map<String, Integer> blocksByEndpoint() {
            return Map.of();
        }
    };

    /** Leading consecutive blocks the endpoint holds (0 for an unknown endpoint). */
    int blocks(String endpoint);

    /** Tier-weighted length of that run (llm-d's unnormalised LongestPrefix score). */
    double score(String endpoint);

    /** How many keys were looked up. */
    int totalBlocks();

    /** Every endpoint with at least one leading block, with its count (for logs and tests; allocates). */
    Map<String, Integer> blocksByEndpoint();
}
