package io.quarkiverse.llmd.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSimulatorTest {

    @TempDir
    Path tmp;

    @Test
    void sameSeedGivesIdenticalSummaryAndCsv() throws Exception {
        RunResult r1 = TestRuns.run(TestRuns.SHARED, TestRuns.APPROX, "a", 7);
        RunResult r2 = TestRuns.run(TestRuns.SHARED, TestRuns.APPROX, "a", 7);
        String a = Outputs.JSON.writeValueAsString(Summary.of(r1));
        String b = Outputs.JSON.writeValueAsString(Summary.of(r2));
        String c = Outputs.JSON.writeValueAsString(Summary.of(TestRuns.run(TestRuns.SHARED, TestRuns.APPROX, "a", 8)));
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        Outputs.writeCsv(tmp.resolve("1.csv"), r1.log());
        Outputs.writeCsv(tmp.resolve("2.csv"), r2.log());
        assertThat(Files.readAllBytes(tmp.resolve("1.csv"))).isEqualTo(Files.readAllBytes(tmp.resolve("2.csv")));
    }

    @Test
    void everyRequestCompletesWithConsistentTimes() {
        RunResult run = TestRuns.run(TestRuns.SHARED, TestRuns.APPROX, "approx", 1);
        RequestLog log = run.log();
        Map<String, Object> s = Summary.of(run);
        assertThat(log.size()).isGreaterThan(100);
        assertThat(s.get("completed")).isEqualTo(s.get("requests"));
        assertThat(s.get("failed")).isEqualTo(0);
        for (int i = 0; i < log.size(); i++) {
            assertThat(log.status(i)).isEqualTo(RequestLog.OK);
            double ttft = log.firstToken(i) - log.arrival(i);
            double e2e = log.finish(i) - log.arrival(i);
            assertThat(ttft).isPositive().isLessThanOrEqualTo(e2e);
            assertThat(log.cachedTokens(i)).isBetween(0, log.promptTokens(i) - 1);
            assertThat(log.pod(i)).isBetween(0, 3);
            if (i > 0) {
                assertThat(log.arrival(i)).isGreaterThanOrEqualTo(log.arrival(i - 1));
            }
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> stages = (List<Map<String, Object>>) s.get("stages");
        assertThat(stages).hasSize(2);
        int perStage = 0;
        for (Map<String, Object> st : stages) {
            perStage += (Integer) st.get("requests");
            assertThat(((Number) st.get("output_tokens_per_s")).doubleValue()).isPositive();
        }
        assertThat(perStage).isEqualTo(log.size());
        Map<?, ?> ttft = (Map<?, ?>) s.get("ttft_s");
        assertThat(((Number) ttft.get("p50")).doubleValue()).isLessThanOrEqualTo(((Number) ttft.get("p90")).doubleValue());
    }

    @Test
    void approximatePrefixRoutingHitsTheCacheMoreThanRandom() {
        double approx = ((Number) Summary.of(TestRuns.run(TestRuns.SHARED, TestRuns.APPROX, "approx", 3))
                .get("kv_hit_rate")).doubleValue();
        double random = ((Number) Summary.of(TestRuns.run(TestRuns.SHARED, TestRuns.RANDOM_PICKER, "random", 3))
                .get("kv_hit_rate")).doubleValue();
        assertThat(approx).isGreaterThan(random + 0.1);
    }

    @Test
    void roundRobinSpreadsEvenly() {
        RunResult run = TestRuns.run(TestRuns.RANDOM, TestRuns.ROUND_ROBIN, "rr", 1);
        int[] perPod = new int[4];
        for (int i = 0; i < run.log().size(); i++) {
            perPod[run.log().pod(i)]++;
        }
        assertThat(run.log().size()).isEqualTo(80); // constant 40/s for 2 s
        assertThat(perPod).containsOnly(20);
    }

    @Test
    void timeoutsAbortAndCountAsFailed() {
        String overloaded = """
                data:
                  type: random
                  input_distribution: 1500
                  output_distribution: 200
                load:
                  type: constant
                  request_timeout: 1
                  stages:
                  - {rate: 200, duration: 1}
                """;
        RunResult run = TestRuns.run(overloaded, TestRuns.ROUND_ROBIN, "rr", 1);
        Map<String, Object> s = Summary.of(run);
        assertThat((Integer) s.get("failed")).isPositive();
        assertThat((Integer) s.get("completed") + (Integer) s.get("failed")).isEqualTo(s.get("requests"));
        for (int i = 0; i < run.log().size(); i++) {
            assertThat(run.log().finish(i) - run.log().arrival(i)).isLessThanOrEqualTo(1.0 + 1e-9);
        }
    }

    @Test
    void clientConcurrencyLimitHoldsRequestsBack() {
        String limited = """
                data:
                  type: random
                  input_distribution: 500
                  output_distribution: 50
                load:
                  type: constant
                  num_workers: 1
                  worker_max_concurrency: 3
                  stages:
                  - {rate: 100, duration: 0.5}
                """;
        RunResult run = TestRuns.run(limited, TestRuns.ROUND_ROBIN, "rr", 1);
        RequestLog log = run.log();
        assertThat(log.size()).isEqualTo(50);
        double maxWait = 0;
        for (int i = 0; i < log.size(); i++) {
            assertThat(log.status(i)).isEqualTo(RequestLog.OK);
            assertThat(log.sent(i)).isGreaterThanOrEqualTo(log.arrival(i));
            maxWait = Math.max(maxWait, log.sent(i) - log.arrival(i));
            // at the moment request i is sent, at most 2 others are in flight
            int others = 0;
            for (int j = 0; j < log.size(); j++) {
                if (j != i && log.sent(j) <= log.sent(i) && log.finish(j) > log.sent(i)) {
                    others++;
                }
            }
            assertThat(others).isLessThanOrEqualTo(2);
        }
        assertThat(maxWait).isPositive();
        Map<?, ?> wait = (Map<?, ?>) Summary.of(run).get("client_wait_s");
        assertThat(((Number) wait.get("p90")).doubleValue()).isPositive();
    }
}
