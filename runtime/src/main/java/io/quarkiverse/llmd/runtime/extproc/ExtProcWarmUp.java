package io.quarkiverse.llmd.runtime.extproc;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.google.protobuf.ByteString;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * The ext_proc warm-up ({@code quarkus.llmd.ext-proc.warm-up}): at start, a client inside the gateway sends
 * synthetic requests to the gateway's own ext_proc port, as Envoy would, for the configured time, and readiness waits
 * for it to end. The streams carry a secret per-process token in {@link ExtProcStream#REHEARSAL_HEADER}, which makes
 * them rehearsals ({@link io.quarkiverse.llmd.engine.pool.Pools#rehearse}): the decision is made and sent, and
 * nothing is counted, held or observed.
 * <p>
 * Why: a JVM that has not compiled the path decides an order of magnitude slower (the transport, body parsing and
 * scheduling run interpreted), so a gateway that takes full load the moment it is ready falls seconds behind and
 * stays there. Kubernetes sends a Service's traffic only to ready pods, so warming up before readiness keeps that
 * cost away from requests. It ends with one full collection, which moves what the gateway keeps for its whole life
 * out of the young generation before traffic comes. The connection is to the gateway itself, so a TLS server's
 * certificate is not checked; a server that requires client certificates cannot be rehearsed this way and the
 * warm-up is skipped.
 */
@Singleton
public class ExtProcWarmUp {

    private static final Logger LOG = Logger.getLogger(ExtProcWarmUp.class);
    /** Used when {@code warm-up} is unset in production mode: an upper bound, the request count normally ends it. */
    static final Duration DEFAULT = Duration.ofSeconds(60);
    /** Streams in flight at once: enough to keep a core busy, few enough not to trip the lag guard. */
    static final int CONCURRENCY = 8;
    /** A warm-up whose streams keep failing (nothing listening, a TLS mismatch) gives up after this many in a row. */
    static final int MAX_CONSECUTIVE_FAILURES = 200;
    private static final String[] WORDS = { "the", "cluster", "gateway", "routes", "each", "request", "to", "a",
            "pod", "whose", "cache", "already", "holds", "its", "prefix", "while", "load", "stays", "balanced",
            "across", "replicas", "of", "model", "server", "and", "tokens", "flow", "through", "queues", "with",
            "latency", "targets" };

    private final LlmdConfig config;
    private final PoolDirectory pools;
    private final String token;
    private final AtomicLong rehearsed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean done;
    private volatile boolean stopping;
    private volatile String outcome = "not started";
    private volatile Thread thread;

    public ExtProcWarmUp(LlmdConfig config, PoolDirectory pools) {
        if (config.extProc().warmUpRequests() < 1) {
            throw new io.quarkiverse.llmd.engine.config.ConfigException("quarkus.llmd.ext-proc.warm-up-requests", 0,
                    null, "must be at least 1, not " + config.extProc().warmUpRequests());
        }
        this.config = config;
        this.pools = pools;
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        this.token = HexFormat.of().formatHex(secret);
        this.done = duration().isZero();
        if (done) {
            outcome = "off";
        }
    }

    /** The configured duration, resolved for the launch mode. */
    Duration duration() {
        Duration d = config.extProc().warmUp()
                .orElse(LaunchMode.current() == LaunchMode.NORMAL ? DEFAULT : Duration.ZERO);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** The value of {@link ExtProcStream#REHEARSAL_HEADER} that the ext_proc server accepts from this process. */
    String token() {
        return token;
    }

    /** Whether the warm-up has ended (or is off): until then the gateway is not ready. */
    public boolean done() {
        return done;
    }

    /** What the warm-up did, for the readiness check's data. */
    public String outcome() {
        return outcome;
    }

    /** Requests rehearsed so far (decided and answered through the whole exchange). */
    public long rehearsed() {
        return rehearsed.get();
    }

    void start(@Observes StartupEvent event) {
        if (done) {
            return;
        }
        if (config.extProc().clientCaPath().isPresent()) {
            finish("skipped: the ext_proc server requires client certificates");
            return;
        }
        Thread t = new Thread(this::run, "llmd-ext-proc-warm-up");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @PreDestroy
    void stop() {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private void finish(String what) {
        outcome = what;
        done = true;
        LOG.infof("ext_proc warm-up %s", what);
    }

    private void run() {
        Duration duration = duration();
        ManagedChannel channel = null;
        long start = System.nanoTime();
        try {
            channel = channel();
            outcome = "running";
            awaitReady(channel, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            ExternalProcessorGrpc.ExternalProcessorStub stub = ExternalProcessorGrpc.newStub(channel);
            List<String> models = models();
            Random random = new Random(42);
            Semaphore window = new Semaphore(CONCURRENCY);
            AtomicInteger failuresInARow = new AtomicInteger();
            long deadline = start + duration.toNanos();
            int target = config.extProc().warmUpRequests();
            int i = 0;
            while (!stopping && i < target && System.nanoTime() < deadline
                    && failuresInARow.get() < MAX_CONSECUTIVE_FAILURES) {
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                Exchange ex = new Exchange(window, failuresInARow, i % 2 == 1);
                ex.out = stub.process(ex);
                ex.send(models.get(i % models.size()), random, i);
                i++;
            }
            window.tryAcquire(CONCURRENCY, 5, TimeUnit.SECONDS); // let the last ones finish
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (failuresInARow.get() >= MAX_CONSECUTIVE_FAILURES) {
                finish("gave up after " + ms + " ms: " + failuresInARow.get() + " streams in a row failed ("
                        + rehearsed.get() + " decisions rehearsed)");
            } else {
                // What survived the warm-up (pools, caches, compiled-code metadata) is long-lived: one full collection
                // now moves it out of the young generation, where every young collection under traffic would
                // otherwise copy it again, up to the tenuring threshold (measured: 10-20 ms pauses, not 2-3 ms)
                long gc = System.nanoTime();
                System.gc();
                finish("done: " + rehearsed.get() + " decisions rehearsed in " + ms + " ms (" + refused.get()
                        + " refused), then a full collection of " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gc)
                        + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish("interrupted");
        } catch (RuntimeException e) {
            finish("failed: " + e);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
        }
    }

    /** A channel to this gateway's own ext_proc server. */
    private ManagedChannel channel() {
        Config c = ConfigProvider.getConfig();
        String portKey = LaunchMode.current() == LaunchMode.TEST ? "quarkus.grpc.server.test-port"
                : "quarkus.grpc.server.port";
        int port = c.getOptionalValue(portKey, Integer.class).orElse(9000);
        String host = c.getOptionalValue("quarkus.grpc.server.host", String.class).orElse("0.0.0.0");
        if (host.equals("0.0.0.0") || host.isBlank()) {
            host = "127.0.0.1";
        } else if (host.equals("::") || host.equals("[::]")) {
            host = "::1";
        }
        boolean plainText = c.getOptionalValue("quarkus.grpc.server.plain-text", Boolean.class).orElse(false);
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port).directExecutor()
                .maxInboundMessageSize(64 << 20);
        if (plainText) {
            b.usePlaintext();
        } else {
            try {
                // our own port: the certificate is the one this process serves
                b.sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build());
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("cannot set up TLS for the warm-up client", e);
            }
        }
        return b.build();
    }

    private static void awaitReady(ManagedChannel channel, long deadline) throws InterruptedException {
        ConnectivityState state = channel.getState(true);
        while (state != ConnectivityState.READY && System.nanoTime() < deadline) {
            Thread.sleep(10);
            state = channel.getState(state == ConnectivityState.IDLE || state == ConnectivityState.TRANSIENT_FAILURE);
        }
    }

    /** One served model per pool (a catch-all pool takes any name). */
    private List<String> models() {
        List<String> models = new ArrayList<>();
        for (Pool p : pools.current().all()) {
            models.add(p.models().isEmpty() ? "llmd-warm-up" : p.models().iterator().next());
        }
        if (models.isEmpty()) {
            models.add("llmd-warm-up");
        }
        return models;
    }

    /** One rehearsed request, answered as Envoy would: decision, then response headers and body. */
    private final class Exchange implements StreamObserver<ProcessingResponse> {
        private final Semaphore window;
        private final AtomicInteger failuresInARow;
        private final boolean streaming;
        StreamObserver<ProcessingRequest> out;
        private boolean decided;
        private boolean answered;
        private boolean released;

        Exchange(Semaphore window, AtomicInteger failuresInARow, boolean streaming) {
            this.window = window;
            this.failuresInARow = failuresInARow;
            this.streaming = streaming;
        }

        void send(String model, Random random, int i) {
            boolean chat = i % 4 != 2;
            byte[] body = body(model, random, chat);
            HeaderMap.Builder h = HeaderMap.newBuilder();
            header(h, ":method", "POST");
            header(h, ":path", chat ? "/v1/chat/completions" : "/v1/completions");
            header(h, ":authority", "llmd-warm-up");
            header(h, ":scheme", "http");
            header(h, "content-type", "application/json");
            header(h, "content-length", Integer.toString(body.length));
            header(h, "x-request-id", "llmd-warm-up-" + i);
            header(h, ExtProcStream.REHEARSAL_HEADER, token);
            synchronized (this) {
                out.onNext(ProcessingRequest.newBuilder()
                        .setProtocolConfig(ProtocolConfiguration.newBuilder()
                                .setRequestBodyMode(BodySendMode.FULL_DUPLEX_STREAMED)
                                .setResponseBodyMode(BodySendMode.FULL_DUPLEX_STREAMED))
                        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(h)).build());
                out.onNext(ProcessingRequest.newBuilder().setRequestBody(
                        HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(true)).build());
            }
        }

        private byte[] body(String model, Random random, boolean chat) {
            StringBuilder prompt = new StringBuilder();
            int words = 8 + random.nextInt(600);
            for (int w = 0; w < words; w++) {
                prompt.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            String text = prompt.toString();
            String json = chat
                    ? "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You are brief.\"},"
                            + "{\"role\":\"user\",\"content\":\"" + text + "\"}],\"max_tokens\":16,\"stream\":"
                            + streaming + "}"
                    : "{\"model\":\"" + model + "\",\"prompt\":\"" + text + "\",\"max_tokens\":16,\"stream\":"
                            + streaming + "}";
            return json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void onNext(ProcessingResponse r) {
            if (r.hasImmediateResponse()) {
                refused.incrementAndGet();
                out.onCompleted();
                return;
            }
            if (r.hasRequestHeaders()) {
                decided = true;
                return;
            }
            if (r.hasRequestBody() && decided && !answered && endOfStream(r.getRequestBody())) {
                answered = true;
                respond();
                return;
            }
            if (r.hasResponseBody() && endOfStream(r.getResponseBody())) {
                rehearsed.incrementAndGet();
                out.onCompleted();
            }
        }

        private void respond() {
            HeaderMap.Builder h = HeaderMap.newBuilder();
            header(h, ":status", "200");
            header(h, "content-type", streaming ? "text/event-stream" : "application/json");
            out.onNext(ProcessingRequest.newBuilder()
                    .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(h)).build());
            String usage = "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":16,\"total_tokens\":136}";
            if (streaming) {
                String chunk = "data: {\"id\":\"w\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"ok\"}}]}\n\n";
                out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                        .setBody(ByteString.copyFromUtf8(chunk))).build());
                out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                        .setBody(ByteString.copyFromUtf8("data: {\"id\":\"w\",\"choices\":[]," + usage
                                + "}\n\ndata: [DONE]\n\n"))
                        .setEndOfStream(true)).build());
            } else {
                out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                        .setBody(ByteString.copyFromUtf8("{\"id\":\"w\",\"object\":\"chat.completion\",\"choices\":"
                                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                                + "\"finish_reason\":\"length\"}]," + usage + "}"))
                        .setEndOfStream(true)).build());
            }
        }

        @Override
        public void onError(Throwable t) {
            failuresInARow.incrementAndGet();
            release();
        }

        @Override
        public void onCompleted() {
            failuresInARow.set(0);
            release();
        }

        private synchronized void release() {
            if (!released) {
                released = true;
                window.release();
            }
        }
    }

    /** The last reply to a body: a streamed chunk marked as the end, or a whole body. */
    private static boolean endOfStream(io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse body) {
        var mutation = body.getResponse().getBodyMutation();
        return !mutation.hasStreamedResponse() || mutation.getStreamedResponse().getEndOfStream();
    }

    private static void header(HeaderMap.Builder h, String key, String value) {
        h.addHeaders(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)));
    }
}
