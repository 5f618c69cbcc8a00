package io.quarkiverse.llmd.benchmarks.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class WorkloadParserTest {

    private static WorkloadSpec parse(String yaml) {
        return WorkloadParser.parse("w", yaml);
    }

    @Test
    void readsSharedPrefixWithDistributionsAndAliases() {
        WorkloadSpec w = parse("""
                api: {type: completion, streaming: true}
                server: {type: vllm, model_name: m1, base_url: http://x, ignore_eos: true}
                data:
                  type: shared_prefix
                  shared_prefix:
                    num_unique_system_prompts: 3
                    num_users_per_system_prompt: 2
                    system_prompt_len: 100
                    question_len: {min: 10, max: 50, mean: 30, std_dev: 9}
                    output_len: 20
                    enable_multi_turn_chat: true
                load:
                  type: poisson
                  request_timeout: 300
                  num_workers: 4
                  stages: [{rate: 1.5, duration: 10}, {rate: 3, duration: 5}]
                report: {request_lifecycle: {summary: true}}
                """);
        assertThat(w.model()).isEqualTo("m1");
        assertThat(w.chat()).isFalse();
        WorkloadSpec.SharedPrefix sp = (WorkloadSpec.SharedPrefix) w.data();
        assertThat(sp.numGroups()).isEqualTo(3);
        assertThat(sp.promptsPerGroup()).isEqualTo(2);
        assertThat(sp.questionLen()).isEqualTo(new Distribution(10, 50, 30, 9));
        assertThat(sp.multiTurn()).isTrue();
        assertThat(w.load().poisson()).isTrue();
        assertThat(w.load().stages()).containsExactly(new WorkloadSpec.Stage(1.5, 10), new WorkloadSpec.Stage(3, 5));
        assertThat(w.load().requestTimeoutSeconds()).isEqualTo(300);
        assertThat(w.load().maxConcurrency()).isZero();
        assertThat(w.load().totalDuration()).isEqualTo(15);
    }

    @Test
    void defaultsFollowInferencePerf() {
        WorkloadSpec w = parse("data: {type: shared_prefix, shared_prefix: {}}\nload: {stages: [{rate: 1, duration: 1}]}");
        WorkloadSpec.SharedPrefix sp = (WorkloadSpec.SharedPrefix) w.data();
        assertThat(sp.numGroups()).isEqualTo(10);
        assertThat(sp.promptsPerGroup()).isEqualTo(10);
        assertThat(sp.systemPromptLen()).isEqualTo(Distribution.fixed(100));
        assertThat(sp.questionLen()).isEqualTo(Distribution.fixed(50));
        assertThat(sp.outputLen()).isEqualTo(Distribution.fixed(50));
        assertThat(w.load().poisson()).isFalse();
        assertThat(w.chat()).isTrue();
    }

    @Test
    void errorsNameTheField() {
        String load = "\nload: {type: poisson, stages: [{rate: 1, duration: 1}]}";
        assertThatThrownBy(() -> parse("data: {type: shared_prefix, shared_prefix: {num_group: 3}}" + load))
                .isInstanceOf(WorkloadException.class).hasMessageContaining("data.shared_prefix")
                .hasMessageContaining("unknown field [num_group]");
        assertThatThrownBy(() -> parse("data: {type: sharegpt}" + load))
                .hasMessageContaining("data.type").hasMessageContaining("'sharegpt' is not supported");
        assertThatThrownBy(() -> parse("data: {type: shared_prefix, shared_prefix: {num_groups: two}}" + load))
                .hasMessageContaining("data.shared_prefix.num_groups: must be an integer");
        assertThatThrownBy(() -> parse("data: {type: shared_prefix, shared_prefix: {num_groups: 0}}" + load))
                .hasMessageContaining("must be >= 1");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: 10}" + load))
                .hasMessageContaining("data.output_distribution: is required");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: {min: 10, max: 20, mean: 50},"
                + " output_distribution: 5}" + load)).hasMessageContaining("mean (50.0) must lie within");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: 10, output_distribution: 5}\n"
                + "load: {type: sweep, stages: [{rate: 1, duration: 1}]}")).hasMessageContaining("load.type");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: 10, output_distribution: 5}\n"
                + "load: {stages: [{rate: 0, duration: 1}]}")).hasMessageContaining("load.stages[0].rate: must be > 0");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: 10, output_distribution: 5}\n"
                + "load: {stages: []}")).hasMessageContaining("load.stages: is required");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: 10, output_distribution: 5}"))
                .hasMessageContaining("load: is required");
        assertThatThrownBy(() -> parse("dta: {}\nload: {}")).hasMessageContaining("unknown field [dta]");
        assertThatThrownBy(() -> parse("data: {type: random, input_distribution: 10, output_distribution: 5}\n"
                + "load: {worker_max_concurrency: 10, stages: [{rate: 1, duration: 1}]}"))
                .hasMessageContaining("load.worker_max_concurrency: needs load.num_workers");
        assertThat(parse("data: {type: random, input_distribution: 10, output_distribution: 5}\n"
                + "load: {num_workers: 4, worker_max_concurrency: 10, stages: [{rate: 1, duration: 1}]}").load()
                .maxConcurrency()).isEqualTo(40);
        assertThatThrownBy(() -> parse("data: [1, 2")).hasMessageContaining("invalid YAML");
    }

    @Test
    void shippedWorkloadsAndClustersParse() throws Exception {
        Path root = Path.of("workloads");
        try (Stream<Path> files = Files.list(root)) {
            files.filter(f -> f.toString().endsWith(".yaml")).forEach(WorkloadParser::parse);
        }
        try (Stream<Path> files = Files.list(Path.of("clusters"))) {
            files.filter(f -> f.toString().endsWith(".yaml")).forEach(ClusterSpec::parse);
        }
        ClusterSpec scaled = ClusterSpec.parse(Path.of("clusters/b2b-saas-scaled.yaml"));
        assertThat(scaled.hardware().a()).isEqualTo(0.014 * 4, org.assertj.core.data.Offset.offset(1e-12));
        assertThatThrownBy(() -> ClusterSpec.parse("c", "pods: 2\nhardware: tpu")).hasMessageContaining("hardware");
        assertThatThrownBy(() -> ClusterSpec.parse("c", "podz: 2")).hasMessageContaining("unknown field [podz]");
    }

    @Test
    void promptTextAndTokensAgree() {
        WorkloadSpec w = parse("""
                data: {type: shared_prefix, shared_prefix: {num_groups: 2, num_prompts_per_group: 3,
                  system_prompt_len: 200, question_len: 20, output_len: 5}}
                load: {stages: [{rate: 1, duration: 1}]}
                """);
        PromptCorpus corpus = new PromptCorpus(w, new SplittableRandom(1));
        assertThat(corpus.residentTokens()).isEqualTo(2 * 200 + 6 * 20);
        PromptCorpus.Draft d = new PromptCorpus.Draft();
        int[][] prompts = new int[6][];
        String[] bodies = new String[6];
        for (int i = 0; i < 6; i++) {
            corpus.next(i, d);
            assertThat(d.promptTokens).hasSize(220);
            assertThat(d.outputTokens).hasSize(5);
            prompts[d.prompt] = d.promptTokens;
            bodies[d.prompt] = new String(d.body, java.nio.charset.StandardCharsets.UTF_8);
        }
        for (int[] p : prompts) {
            assertThat(p).isNotNull(); // the 6 prompts are a permutation
        }
        // prompts 0..2 share group 0: same first 200 token ids and the same system text in the body
        for (int p = 1; p < 3; p++) {
            assertThat(java.util.Arrays.copyOf(prompts[p], 200)).isEqualTo(java.util.Arrays.copyOf(prompts[0], 200));
            assertThat(prompts[p][200]).isNotEqualTo(prompts[0][200]);
        }
        assertThat(java.util.Arrays.copyOf(prompts[3], 200)).isNotEqualTo(java.util.Arrays.copyOf(prompts[0], 200));
        String system = bodies[0].substring(bodies[0].indexOf("\"content\":\"") + 11, bodies[0].indexOf("\"}"));
        assertThat(io.quarkiverse.llmd.simulator.tokenizer.BuiltinTokenizer.INSTANCE.encode(system))
                .isEqualTo(java.util.Arrays.copyOf(prompts[0], 200));
        assertThat(bodies[1]).contains(system);
    }

    @Test
    void multiTurnSessionsGrowAndExtendTheirPreviousTurn() {
        WorkloadSpec w = parse("""
                data: {type: shared_prefix, shared_prefix: {num_groups: 1, num_prompts_per_group: 2,
                  system_prompt_len: 50, question_len: 10, output_len: 5, enable_multi_turn_chat: true}}
                load: {stages: [{rate: 1, duration: 1}]}
                """);
        PromptCorpus corpus = new PromptCorpus(w, new SplittableRandom(2));
        PromptCorpus.Draft d = new PromptCorpus.Draft();
        int[][] first = new int[2][];
        int[][] firstOut = new int[2][];
        for (int i = 0; i < 4; i++) {
            corpus.next(i, d);
            if (i < 2) {
                assertThat(d.promptTokens).hasSize(60);
                first[d.prompt] = d.promptTokens;
                firstOut[d.prompt] = d.outputTokens;
            } else {
                // turn 2 = turn 1's prompt + its answer + the question again
                assertThat(d.promptTokens).hasSize(60 + 5 + 10);
                assertThat(java.util.Arrays.copyOf(d.promptTokens, 60)).isEqualTo(first[d.prompt]);
                assertThat(java.util.Arrays.copyOfRange(d.promptTokens, 60, 65)).isEqualTo(firstOut[d.prompt]);
                String body = new String(d.body, java.nio.charset.StandardCharsets.UTF_8);
                assertThat(body).contains("\"role\":\"assistant\"");
            }
        }
    }

    @Test
    void distributionSamplesStayInRange() {
        Distribution d = new Distribution(10, 20, 15, 10);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            assertThat(d.sample(r)).isBetween(10, 20);
        }
        assertThat(Distribution.fixed(7).sample(r)).isEqualTo(7);
    }
}
