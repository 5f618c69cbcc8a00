package io.quarkiverse.llmd.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.it.proxy.SimFleetResource;
import io.quarkiverse.llmd.runtime.metrics.MetricsServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Hostile clients cannot grow the EPP's metrics: thousands of requests through the proxy, each naming a random
 * model (the pods answer 404) and a random fairness id, leave the number of series on /metrics bounded by the
 * configured caps, and once the caps are spent, further such requests add no series at all. Requests refused before
 * scheduling (400) add none either.
 */
@QuarkusTest
@TestProfile(BoundedLabelsProfile.class)
class BoundedMetricSeriesTest {

    private static final Pattern MODEL_LABEL = Pattern.compile("model_name=\"([^\"]*)\"");
    private static final Pattern FAIRNESS_LABEL = Pattern.compile("fairness_id=\"([^\"]*)\"");

    @Inject
    MetricsServer metricsServer;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void randomModelsAndFairnessIdsDoNotGrowTheMetrics() throws Exception {
        Random random = new Random(42);
        send(1, random); // the served model: a real request, so that every family exists before counting
        int before = seriesCount(scrape());

        send(2000, random);
        String after = scrape();
        int grown = seriesCount(after) - before;
        // Per label combination about 180 series (two latency histograms, four size histograms, counters), for the
        // canonical families (SET_LIMIT combinations plus the "other" one) and the legacy ones (one per model
        // value, MODEL_LIMIT plus "other"), plus scheduling attempts per target model. Unbounded, the 2,000
        // requests would mint some 700,000 series.
        org.jboss.logging.Logger.getLogger(BoundedMetricSeriesTest.class)
                .infof("2,000 random-model requests grew the EPP's series by %d", grown);
        int bound = (BoundedLabelsProfile.SET_LIMIT + 1 + BoundedLabelsProfile.MODEL_LIMIT + 1) * 200;
        assertThat(grown).isBetween(1, bound);
        assertThat(labelValues(after, MODEL_LABEL)).hasSizeLessThanOrEqualTo(BoundedLabelsProfile.MODEL_LIMIT + 3)
                .contains("other");
        assertThat(labelValues(after, FAIRNESS_LABEL))
                .hasSizeLessThanOrEqualTo(BoundedLabelsProfile.FAIRNESS_LIMIT + 3).contains("other");
        assertThat(after).doesNotContain("\\u0000", "\\n\"", "\uFFFD");

        // The caps are spent: more of the same adds nothing.
        send(1000, random);
        assertThat(seriesCount(scrape())).isEqualTo(seriesCount(after));
    }

    @Test
    void requestsRefusedBeforeSchedulingMintNoSeries() throws Exception {
        post("{not json", null); // the error counter of unparsable requests exists from now on
        int before = seriesCount(scrape());
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            String garbage = i % 3 == 0 ? "{\"prompt\":\"no model " + i + "\"}"
                    : i % 3 == 1 ? "{\"model\":" + random.nextInt() + ",\"prompt\":\"x\"}" : "[" + i;
            assertThat(post(garbage, "tenant-" + random.nextInt()).statusCode()).isEqualTo(400);
        }
        assertThat(seriesCount(scrape())).isEqualTo(before);
    }

    private void send(int requests, Random random) throws Exception {
        List<String[]> work = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String model = requests == 1 ? SimFleetResource.MODEL : randomModel(random);
            work.add(new String[] { model, "tenant-" + Long.toHexString(random.nextLong()) });
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (String[] w : work) {
                String body = "{\"model\":\"" + w[0] + "\",\"prompt\":\"hello\",\"max_tokens\":2}";
                results.add(pool.submit(() -> post(body, w[1]).statusCode()));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isIn(200, 404);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Random names, some with JSON-escaped control characters or unpaired surrogates. */
    private static String randomModel(Random random) {
        String name = "model-" + Long.toHexString(random.nextLong());
        return switch (random.nextInt(8)) {
            case 0 -> name + "\\u0000";
            case 1 -> name + "\\n";
            case 2 -> name + "\\ud800";
            default -> name;
        };
    }

    private HttpResponse<String> post(String body, String fairnessId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (fairnessId != null) {
            b.header("x-llm-d-inference-fairness-id", fairnessId);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String scrape() throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://localhost:" + metricsServer.port() + "/metrics"))
                .build();
        HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** Series lines of the EPP's families (JVM and HTTP server meters move on their own). */
    private static int seriesCount(String text) {
        int n = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("llm_d_epp_") || line.startsWith("inference_")
                    || line.startsWith("llm_d_inference_scheduler_")) {
                n++;
            }
        }
        return n;
    }

    private static Set<String> labelValues(String text, Pattern label) {
        Set<String> values = new TreeSet<>();
        Matcher m = label.matcher(text);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }
}
