package io.quarkiverse.llmd.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.benchmarks.sim.scaling.Fleet;
import io.quarkiverse.llmd.benchmarks.sim.scaling.FleetPolicy;
import io.quarkiverse.llmd.benchmarks.sim.scaling.StaticPolicy;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;

/**
 * The cluster simulator's pods report their hardware profile's KV size on every scrape, so the concurrency detector
 * can size an L4 (35,000 KV tokens) apart from an H100 (380,000) in one pool, and the active-request scorer can weigh
 * their counts by it.
 */
class KvCapacityAdmissionSimTest {

    /** 16 RPS for 40 s of 1,000-token prompts and 200-token answers: more than the L4 alone holds. */
    private static final String LOAD = load(16);

    private static String load(int rate) {
        return TestRuns.chat("constant", "- {rate: %d, duration: 40}".formatted(rate));
    }

    /** Each pod up to its own KV size in estimated tokens, as benchmarks/schedulers/autoscale-capacity.yaml. */
    private static final String BY_KV = "    concurrencyMode: tokens\n    kvCapacityFraction: 1.0\n"
            + "    maxTokenConcurrency: 35000\n";

    private static String scheduler(String detectorParameters) {
        return scheduler(detectorParameters, "");
    }

    private static String scheduler(String detectorParameters, String activeRequestParameters) {
        return """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                featureGates:
                - flowControl
                plugins:
                - type: queue-scorer
                - type: active-request-scorer
                """ + activeRequestParameters + """
                - type: concurrency-detector
                  parameters:
                """ + detectorParameters + """
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: concurrency-detector
                  - pluginRef: queue-scorer
                  - pluginRef: active-request-scorer
                saturationDetector:
                  pluginRef: concurrency-detector
                flowControl:
                  defaultRequestTTL: 60s
                """;
    }

    private static double l4Share(String detectorParameters) {
        return l4ShareOf(scheduler(detectorParameters), LOAD);
    }

    /** Share of the requests the L4 (pod 1) served, beside one H100 (pod 0). */
    private static double l4ShareOf(String schedulerYaml, String load) {
        Fleet fleet = new Fleet(new FleetPolicy.PerVariant("static", List.of(new StaticPolicy(1),
                new StaticPolicy(1))), List.of(
                        new Fleet.Member("h100", HardwareProfile.H100_LLAMA_8B, 10, 1, 1, 1, 5),
                        new Fleet.Member("l4", HardwareProfile.L4_LLAMA_8B, 1.2, 1, 1, 1, 5)));
        GatewayRun run = ClusterSimulator.runFleet(TestRuns.workload(load), TestRuns.cluster(),
                ClusterSimulator.ConfigSource.of("kv", schedulerYaml), "kv", 1, fleet,
                GatewayOptions.SINGLE);
        RequestLog log = run.result().log();
        int l4 = 0;
        for (int i = 0; i < log.size(); i++) {
            assertThat(log.status(i)).as("request %d", i).isEqualTo(RequestLog.OK);
            if (log.pod(i) == 1) {
                l4++;
            }
        }
        return (double) l4 / log.size();
    }

    @Test
    void theL4IsAdmittedInProportionToItsOwnCache() {
        // llm-d: 64 requests per pod whatever its cache; the scorers even out the in-flight counts, so the slow L4
        // holds about as many requests as the H100 (it served 14.8 % of them when this was written)
        double uniform = l4Share("    maxConcurrency: 64\n");
        // ours: each pod up to its own KV size in estimated tokens (input x 2.5 = 2,500 per request): the L4 holds
        // at most 15 requests, the H100 152 (5.0 %)
        double byKv = l4Share(BY_KV);
        assertThat(byKv).isLessThan(uniform * 0.75);
    }

    @Test
    void weighingTheActiveRequestCountsByKvSizeKeepsTheL4AsLightAsItsCache() {
        // 6 RPS, which the H100 carries with room to spare: by raw counts the scorer still evens out the in-flight
        // requests, so the slow L4 holds about as many as the H100, up to its own limit
        String light = load(6);
        double raw = l4ShareOf(scheduler(BY_KV), light);
        // weighed, each request on the L4 counts as 380,000 / 35,000 = 10.9 on the H100's scale (10.4 % of the
        // requests to the L4 by raw counts, 2.5 % weighed, when this was written)
        double weighed = l4ShareOf(scheduler(BY_KV, "  parameters:\n    scaleByKvCache: true\n"), light);
        assertThat(weighed).isLessThan(raw * 0.5);
    }
}
