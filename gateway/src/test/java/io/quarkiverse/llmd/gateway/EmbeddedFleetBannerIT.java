package io.quarkiverse.llmd.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The banner of the one-command demo names addresses a user can open: with every port left to the system (0), the
 * proxy and metrics URLs it prints are the bound ones and answer.
 */
class EmbeddedFleetBannerIT {

    private static final Pattern PROXY = Pattern.compile("OpenAI proxy : (http://\\S+)/v1/chat/completions");
    private static final Pattern METRICS = Pattern.compile("metrics      : (http://\\S+)");

    @Test
    void theBannerNamesTheBoundPorts() throws Exception {
        Path log = Files.createTempFile("gateway-banner", ".log");
        log.toFile().deleteOnExit(); // failures quote its content
        Process gateway = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=0", "-Dquarkus.grpc.server.port=0", "-Dquarkus.llmd.ext-proc.health-port=0",
                "-Dquarkus.llmd.metrics.port=0", "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String banner = awaitBanner(gateway, log);
            Matcher proxy = PROXY.matcher(banner);
            Matcher metrics = METRICS.matcher(banner);
            assertThat(proxy.find()).as(banner).isTrue();
            assertThat(metrics.find()).as(banner).isTrue();
            assertThat(proxy.group(1)).doesNotEndWith(":0");

            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> models = client.send(HttpRequest.newBuilder(URI.create(proxy.group(1) + "/v1/models"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).isEqualTo(200);
            assertThat(models.body()).contains("llmd-sim/llama-3-8b");
            HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(URI.create(metrics.group(1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("llm_d_epp_");
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
    }

    /** The banner's lines, once the one naming the metrics URL is written; fails if the gateway ends first. */
    private static String awaitBanner(Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            int start = text.indexOf("embedded simulated fleet");
            if (start >= 0 && METRICS.matcher(text.substring(start)).find()) {
                return text.substring(start);
            }
            assertThat(process.isAlive()).as("gateway still running; log:%n%s", text).isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError("no banner in:\n" + Files.readString(log));
    }
}
