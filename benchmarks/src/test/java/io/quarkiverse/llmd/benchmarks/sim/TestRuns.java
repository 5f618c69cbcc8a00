package io.quarkiverse.llmd.benchmarks.sim;

import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadParser;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/** Small workloads and clusters shared by the tests (each run takes well under a second). */
final class TestRuns {

    /** 16 groups x (1024 + 4 x 32) tokens = 18k tokens: ~56% of the cluster's KV, 2.25x one pod's. */
    static final String SHARED = """
            data:
              type: shared_prefix
              shared_prefix:
                num_groups: 16
                num_prompts_per_group: 4
                system_prompt_len: 1024
                question_len: 32
                output_len: {min: 4, max: 24, mean: 12, std_dev: 4}
            load:
              type: poisson
              stages:
              - {rate: 30, duration: 2}
              - {rate: 60, duration: 2}
            """;

    /** The three-class day's chat mix (1,000 prompt / 200 output tokens), {@code type} load in {@code stages}. */
    static String chat(String type, String stages) {
        return """
                data:
                  type: random
                  input_distribution: 1000
                  output_distribution: 200
                load:
                  type: %s
                  stages:
                """.formatted(type) + stages.indent(2);
    }

    static final String RANDOM = """
            data:
              type: random
              input_distribution: {min: 50, max: 400, mean: 200, std_dev: 80}
              output_distribution: 8
            load:
              type: constant
              stages:
              - {rate: 40, duration: 2}
            """;

    static final String RANDOM_PICKER = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: random-picker
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: random-picker
            """;

    static final String ROUND_ROBIN = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: round-robin-picker
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: round-robin-picker
            """;

    /** llm-d's default configuration (approximate prefix + load). */
    static final String APPROX = "";

    private TestRuns() {
    }

    static ClusterSpec cluster() {
        return ClusterSpec.parse("test-cluster", """
                pods: 4
                hardware: h100-llama-8b
                kv_blocks_per_pod: 512
                block_size: 16
                max_num_seqs: 32
                max_num_batched_tokens: 2048
                """);
    }

    static WorkloadSpec workload(String yaml) {
        return WorkloadParser.parse("test-workload", yaml);
    }

    static RunResult run(String workloadYaml, String schedulerYaml, String name, long seed) {
        return ClusterSimulator.run(workload(workloadYaml), cluster(),
                SchedulerConfigs.load(name, schedulerYaml), name, seed);
    }
}
