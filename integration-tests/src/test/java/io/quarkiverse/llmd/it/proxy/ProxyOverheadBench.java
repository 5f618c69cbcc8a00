package io.quarkiverse.llmd.it.proxy;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Measures what the proxy adds: the same open-loop load (default 500 requests/s) goes straight to a simulated pod
 * and through the proxy to that same pod, in alternating phases; the p50/p90/p99 of the full response time
 * (non-streamed) and of the first-chunk arrival (streamed) are compared. Measured, never asserted.
 * <p>
 * Not a surefire test (no {@code Test} suffix). Run it inside the test app:
 * {@code ./mvnw -B -o -pl extension,simulator,runtime,deployment,integration-tests -am verify
 * -Dtest=ProxyOverheadBench -Dsurefire.failIfNoSpecifiedTests=false [-Dbench.rate=500] [-Dbench.seconds=20]}
 * (results in {@code integration-tests/target/proxy-overhead.txt}), or against any running proxy with
 * {@link #main}: {@code --proxy http://host:port --direct http://pod:port [--model m] [--rate r] [--seconds s]}.
 */
@QuarkusTest
@TestProfile(ProxyOverheadBench.BenchProfile.class)
public class ProxyOverheadBench {

    /** One simulated pod behind both static endpoints; scraping on, as in production. */
    public static class BenchProfile implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.llmd.data-layer.scrape", "true", "quarkus.log.level", "WARN");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SimFleetResource.class, Map.of("mode", "bench")));
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void measure() throws Exception {
        int rate = Integer.getInteger("bench.rate", 500);
        int seconds = Integer.getInteger("bench.seconds", 20);
        String report = run("http://" + SimFleetResource.address("bench"), root.toString(), SimFleetResource.MODEL,
                rate, seconds);
        System.out.println(report);
        Files.writeString(Path.of("target", "proxy-overhead.txt"), report);
    }

    public static void main(String[] args) throws Exception {
        String proxy = null;
        String direct = null;
        String model = "sim-model";
        int rate = 500;
        int seconds = 20;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--proxy" -> proxy = args[i + 1];
                case "--direct" -> direct = args[i + 1];
                case "--model" -> model = args[i + 1];
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (proxy == null || direct == null) {
            System.err.println("usage: ProxyOverheadBench --proxy http://host:port --direct http://pod:port"
                    + " [--model m] [--rate 500] [--seconds 20]");
            System.exit(2);
        }
        System.out.println(run(direct, proxy, model, rate, seconds));
    }

    /** Latencies of one phase, in microseconds. */
    record Phase(String name, long[] micros, int errors) {

        double pct(double p) {
            if (micros.length == 0) {
                return Double.NaN;
            }
            long[] s = micros.clone();
            Arrays.sort(s);
            return s[(int) Math.min(s.length - 1, Math.round(p / 100.0 * (s.length - 1)))] / 1000.0;
        }

        String row() {
            return String.format("%-28s n=%6d err=%4d  p50=%8.3f ms  p90=%8.3f ms  p99=%8.3f ms", name,
                    micros.length, errors, pct(50), pct(90), pct(99));
        }
    }

    static String run(String direct, String proxy, String model, int rate, int seconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                    .setPipelining(false), new PoolOptions().setHttp1MaxSize(256));
            String plain = "{\"model\":\"" + model + "\",\"prompt\":\"Benchmark request about latency\","
                    + "\"max_tokens\":4,\"ignore_eos\":true}";
            String stream = "{\"model\":\"" + model + "\",\"prompt\":\"Benchmark request about latency\","
                    + "\"max_tokens\":8,\"ignore_eos\":true,\"stream\":true}";
            // warm-up: connections, JIT, both paths
            phase(vertx, client, direct, plain, false, rate, 3, "warm-up direct");
            phase(vertx, client, proxy, plain, false, rate, 3, "warm-up proxy");
            List<Phase> direct1 = new ArrayList<>();
            List<Phase> proxied = new ArrayList<>();
            int half = Math.max(1, seconds / 2);
            // ABBA order, so that drift (JIT, GC, neighbours) does not favour either path
            direct1.add(phase(vertx, client, direct, plain, false, rate, half, "direct"));
            proxied.add(phase(vertx, client, proxy, plain, false, rate, half, "proxy"));
            proxied.add(phase(vertx, client, proxy, plain, false, rate, half, "proxy"));
            direct1.add(phase(vertx, client, direct, plain, false, rate, half, "direct"));
            Phase d = merge("direct, full response", direct1);
            Phase p = merge("proxy, full response", proxied);
            List<Phase> sd = new ArrayList<>();
            List<Phase> sp = new ArrayList<>();
            sd.add(phase(vertx, client, direct, stream, true, rate, half, "direct"));
            sp.add(phase(vertx, client, proxy, stream, true, rate, half, "proxy"));
            sp.add(phase(vertx, client, proxy, stream, true, rate, half, "proxy"));
            sd.add(phase(vertx, client, direct, stream, true, rate, half, "direct"));
            Phase dsd = merge("direct, stream first chunk", sd);
            Phase psp = merge("proxy, stream first chunk", sp);
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("open loop, %d requests/s, %d s per path and kind (2 phases each, ABBA order)%n", rate,
                    2 * half));
            for (Phase ph : List.of(d, p, dsd, psp)) {
                sb.append(ph.row()).append('\n');
            }
            sb.append(String.format("added by the proxy, full response: p50 %+.3f ms, p90 %+.3f ms, p99 %+.3f ms%n",
                    p.pct(50) - d.pct(50), p.pct(90) - d.pct(90), p.pct(99) - d.pct(99)));
            sb.append(String.format("added by the proxy, first chunk:   p50 %+.3f ms, p90 %+.3f ms, p99 %+.3f ms%n",
                    psp.pct(50) - dsd.pct(50), psp.pct(90) - dsd.pct(90), psp.pct(99) - dsd.pct(99)));
            return sb.toString();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Phase merge(String name, List<Phase> phases) {
        int n = 0;
        int errors = 0;
        for (Phase p : phases) {
            n += p.micros().length;
            errors += p.errors();
        }
        long[] all = new long[n];
        int i = 0;
        for (Phase p : phases) {
            System.arraycopy(p.micros(), 0, all, i, p.micros().length);
            i += p.micros().length;
        }
        return new Phase(name, all, errors);
    }

    /** Sends {@code rate} requests per second for {@code seconds}, open loop, and waits for all answers. */
    static Phase phase(Vertx vertx, HttpClient client, String base, String body, boolean firstChunk, int rate,
            int seconds, String name) throws Exception {
        URI uri = URI.create(base.endsWith("/") ? base : base + "/");
        int total = rate * seconds;
        long[] micros = new long[total];
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        Buffer payload = Buffer.buffer(body);
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        AtomicInteger sent = new AtomicInteger();
        vertx.setPeriodic(1, id -> {
            long due = (System.nanoTime() - start) / periodNanos + 1;
            while (sent.get() < Math.min(due, total)) {
                sent.incrementAndGet();
                long t0 = System.nanoTime();
                boolean[] first = { true };
                client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost())
                        .setPort(uri.getPort()).setURI("/v1/completions").putHeader("content-type", "application/json"))
                        .compose(req -> req.send(payload))
                        .compose(resp -> {
                            if (firstChunk) {
                                resp.handler(b -> {
                                    if (first[0]) {
                                        first[0] = false;
                                        record(micros, ok, (System.nanoTime() - t0) / 1000);
                                    }
                                });
                            }
                            return resp.end().map(v -> resp.statusCode());
                        })
                        .onComplete(ar -> {
                            if (ar.failed() || ar.result() != 200) {
                                errors.incrementAndGet();
                            } else if (!firstChunk) {
                                record(micros, ok, (System.nanoTime() - t0) / 1000);
                            }
                            if (done.incrementAndGet() == total) {
                                finished.complete(null);
                            }
                        });
            }
            if (sent.get() >= total) {
                vertx.cancelTimer(id);
            }
        });
        finished.get(seconds + 120L, TimeUnit.SECONDS);
        return new Phase(name, Arrays.copyOf(micros, ok.get()), errors.get());
    }

    private static synchronized void record(long[] micros, AtomicInteger ok, long value) {
        micros[ok.getAndIncrement()] = value;
    }
}
