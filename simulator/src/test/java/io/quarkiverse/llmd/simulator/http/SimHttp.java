package io.quarkiverse.llmd.simulator.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.api.Json;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;

/** A tiny HTTP client for the simulator tests. */
final class SimHttp {

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Fast steps so API tests do not wait: 1 ms per step, tiny per-token costs. */
    static final HardwareProfile FAST = HardwareProfile.H100_LLAMA_8B.withStep(0.001, 1e-7, 1e-6, 0);

    record Resp(int status, String body, String contentType, double seconds) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The JSON payloads of an SSE body, without the final [DONE]. */
        List<JsonNode> events() {
            List<JsonNode> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.isBlank()) {
                    continue;
                }
                if (!block.startsWith("data: ")) {
                    throw new AssertionError("not an SSE data block: " + block);
                }
                String data = block.substring(6);
                if (!data.equals("[DONE]")) {
                    try {
                        out.add(Json.MAPPER.readTree(data));
                    } catch (IOException e) {
                        throw new AssertionError("bad chunk " + data, e);
                    }
                }
            }
            return out;
        }
    }

    private SimHttp() {
    }

    static Resp post(URI base, String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30)).build());
    }

    static Resp get(URI base, String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET().timeout(Duration.ofSeconds(30)).build());
    }

    static Resp send(HttpRequest req) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""),
                    (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            return new Resp(-1, String.valueOf(e), "", (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A prompt of exactly n built-in tokens (four-letter words), distinct per seed (at most 20). */
    static String words(int seed, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int v = seed * 20_000 + i;
            sb.append(' ');
            for (int k = 0; k < 4; k++) {
                sb.append((char) ('a' + v % 26));
                v /= 26;
            }
        }
        return sb.toString();
    }
}
