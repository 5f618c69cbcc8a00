package io.quarkiverse.llmd.benchmarks.workload;

import java.util.List;

/**
 * A benchmark workload in inference-perf's configuration format (the subset the cluster simulator runs).
 *
 * @param name file name without extension, used in reports
 * @param model the {@code server.model_name} (default {@code sim-model})
 * @param chat {@code api.type: chat} (default) or {@code completion}
 * @param ignoreEos {@code server.ignore_eos}; the simulator always generates the full output length, so this is
 *        recorded only
 * @param data what to send
 * @param load when to send it
 */
public record WorkloadSpec(String name, String model, boolean chat, boolean ignoreEos, Data data, Load load) {

    /** What each request contains. */
    public sealed interface Data permits SharedPrefix, RandomData {
    }

    /**
     * {@code data.type: shared_prefix}: {@code numGroups} system prompts, each followed by {@code promptsPerGroup}
     * different questions; the {@code numGroups × promptsPerGroup} prompts are shuffled once and cycled.
     */
    public record SharedPrefix(int numGroups, int promptsPerGroup, Distribution systemPromptLen,
            Distribution questionLen, Distribution outputLen, boolean multiTurn) implements Data {
    }

    /** {@code data.type: random}: every prompt is fresh random text; lengths drawn per request. */
    public record RandomData(Distribution inputLen, Distribution outputLen) implements Data {
    }

    /**
     * @param poisson {@code type: poisson} (exponential gaps) or {@code constant} (gaps of exactly 1/rate)
     * @param stages rate in requests/s and duration in s, run back to back
     * @param requestTimeoutSeconds client timeout from the send; a request not finished by then is aborted and counted
     *        as failed (0 = none)
     * @param maxConcurrency requests the client keeps in flight at most ({@code num_workers × worker_max_concurrency});
     *        arrivals beyond it wait in the client, in order (0 = unlimited)
     */
    public record Load(boolean poisson, List<Stage> stages, double requestTimeoutSeconds, int maxConcurrency) {

        public double totalDuration() {
            double d = 0;
            for (Stage s : stages) {
                d += s.duration();
            }
            return d;
        }
    }

    public record Stage(double rate, double duration) {
    }
}
