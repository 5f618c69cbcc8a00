package io.quarkiverse.llmd.benchmarks.sim;

/**
 * Per-request timings and token counts of a run, by request index: what the summary statistics are computed from,
 * whether the run was simulated ({@link RequestLog}) or live. Times are seconds from the start of the run; a time
 * not reached is NaN. Status values are {@link RequestLog}'s constants.
 */
public interface RequestRecords {

    int size();

    double arrival(int i);

    double sent(int i);

    double firstToken(int i);

    double finish(int i);

    int stage(int i);

    int promptTokens(int i);

    int cachedTokens(int i);

    int outputTokens(int i);

    byte status(int i);
}
