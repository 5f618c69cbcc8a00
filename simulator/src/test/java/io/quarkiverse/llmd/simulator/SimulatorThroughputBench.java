package io.quarkiverse.llmd.simulator;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Load benchmark, not a test (no Test suffix: surefire skips it). Usage, after {@code ./mvnw -pl simulator verify}:
 *
 * <pre>
 * java -cp simulator/target/llmd-sim.jar:simulator/target/test-classes \
 *     io.quarkiverse.llmd.simulator.SimulatorThroughputBench throughput [pods] [seconds] [inflight]
 * java -Xmx1g -cp ... io.quarkiverse.llmd.simulator.SimulatorThroughputBench heap [pods] [kvBlocks]
 * </pre>
 */
public final class SimulatorThroughputBench {

    /** Negligible compute: 0.2 ms per step, nothing per token. */
    static final HardwareProfile INSTANT = HardwareProfile.H100_LLAMA_8B.withStep(0.0002, 0, 0, 0);

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "throughput";
        if (mode.equals("heap")) {
            heap(arg(args, 1, 8), arg(args, 2, 100_000));
        } else {
            throughput(arg(args, 1, 8), arg(args, 2, 10), arg(args, 3, 256));
        }
    }

    static int arg(String[] args, int i, int def) {
        return args.length > i ? Integer.parseInt(args[i]) : def;
    }

    static void throughput(int pods, int seconds, int inflight) throws Exception {
        SimulatorConfig cfg = SimulatorConfig.builder("bench").port(0).replicas(pods).hardware(INSTANT).build();
        try (SimulatedFleet fleet = SimulatedFleet.start(cfg)) {
            Vertx vertx = Vertx.vertx();
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                    .setMaxPoolSize(inflight / pods + 1));
            List<Integer> ports = fleet.pods().stream().map(SimulatedPod::port).toList();
            Buffer body = Buffer.buffer("{\"model\":\"bench\",\"prompt\":\"The quick brown fox jumps over the lazy "
                    + "dog again and again\",\"max_tokens\":4,\"ignore_eos\":true}");
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long warmupEnd = System.nanoTime() + 2_000_000_000L;
            long end = warmupEnd + seconds * 1_000_000_000L;
            long[] okAtWarmup = { -1 };
            CountDownLatch done = new CountDownLatch(inflight);
            for (int i = 0; i < inflight; i++) {
                int port = ports.get(i % pods);
                loop(client, port, body, ok, failed, end, done);
            }
            while (System.nanoTime() < warmupEnd) {
                Thread.sleep(10);
            }
            okAtWarmup[0] = ok.get();
            long t0 = System.nanoTime();
            done.await();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long n = ok.get() - okAtWarmup[0];
            System.out.printf("pods=%d inflight=%d measured=%.1fs completed=%d failed=%d throughput=%.0f req/s%n",
                    pods, inflight, elapsed, n, failed.get(), n / elapsed);
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    static void loop(HttpClient client, int port, Buffer body, AtomicLong ok, AtomicLong failed, long end,
            CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI("/v1/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(body).compose(resp -> resp.body().map(b -> resp.statusCode())))
                .onComplete(ar -> {
                    if (ar.succeeded() && ar.result() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    loop(client, port, body, ok, failed, end, done);
                });
    }

    static void heap(int pods, int kvBlocks) throws Exception {
        long base = usedHeap();
        HardwareProfile hw = INSTANT.withKv(kvBlocks, 16);
        SimulatorConfig cfg = SimulatorConfig.builder("bench").port(0).replicas(pods).hardware(hw).build();
        try (SimulatedFleet fleet = SimulatedFleet.start(cfg)) {
            long used = usedHeap();
            System.out.printf("pods=%d kvBlocks=%d heapDelta=%.1f MB perPod=%.2f MB%n", pods, kvBlocks,
                    (used - base) / 1048576.0, (used - base) / 1048576.0 / pods);
            if (fleet.pods().size() != pods) {
                throw new IllegalStateException();
            }
        }
    }

    static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
