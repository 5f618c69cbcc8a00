package io.quarkiverse.llmd.simulator.kvevents;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Publishes KV events over ZMQ the way vLLM's {@code ZmqEventPublisher} does (reference kvcache-and-sim.md A1.2,
 * A1.3, A1.7).
 *
 * <p>
 * Every batch becomes one live message of exactly three frames on a PUB socket: {@code [topic UTF-8, sequence as
 * 8-byte big-endian, msgpack EventBatch]}. The sequence starts at {@link KvEventsConfig#firstSequence()} (vLLM: 0) and
 * grows by one per batch. With a replay endpoint, a bound ROUTER answers {@code [identity, "", start_seq(8B)]} with
 * every buffered batch whose sequence is {@code >= start_seq} as {@code [identity, "", seq(8B), payload]}, then the end
 * marker {@code [identity, "", FF x 8, ""]}.
 *
 * <p>
 * Threading: ZMQ sockets are not thread-safe and a publishing engine step must not wait on the network, so
 * {@link #publish} only enqueues the batch on a bounded queue (dropping and counting it when the queue is full) and one
 * dedicated daemon thread creates the sockets, encodes, sends, buffers for replay and serves replay requests. The
 * constructor waits for the socket setup, so a bind error surfaces there. In connect mode the same thread also runs a
 * handshake watchdog against a JeroMQ connect stall (see {@link #stalledHandshakes()}).
 */
public final class ZmqKvEventPublisher implements KvEventSink, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ZmqKvEventPublisher.class.getName());
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final AtomicInteger MONITOR_IDS = new AtomicInteger();

    /** Sequence frame of the replay end marker: -1 as a signed 8-byte big-endian integer. */
    static final byte[] END_OF_REPLAY = { -1, -1, -1, -1, -1, -1, -1, -1 };
    private static final byte[] EMPTY = new byte[0];
    /** Linger of an owned context: long enough to flush the last batches to a live peer, short enough for close(). */
    private static final int OWNED_CONTEXT_LINGER_MS = 200;
    /** How long the thread waits for a batch before looking at the replay socket again (the replay latency bound). */
    private static final long REPLAY_POLL_MS = 10;
    /** Without replay the wait only bounds how late a close is noticed when the stop marker cannot be queued. */
    private static final long IDLE_POLL_MS = 200;
    /**
     * A connected TCP link whose ZMTP handshake has not finished after this long is taken as stalled (see
     * {@link #watchHandshake()}); a loopback handshake takes milliseconds.
     */
    private static final long HANDSHAKE_STALL_MS = 2_000;
    private static final int MONITOR_EVENTS = ZMQ.EVENT_CONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL
            | ZMQ.EVENT_DISCONNECTED;
    /** Replay requests served per loop turn, so a flood of requests cannot starve live publishing. */
    private static final int MAX_REPLAY_REQUESTS_PER_TURN = 16;
    private static final long CLOSE_TIMEOUT_MS = 5_000;
    private static final long SETUP_TIMEOUT_MS = 30_000;

    private record Pending(double timestampSeconds, List<KvEvent> events) {
    }

    private record Sent(long sequence, byte[] payload) {
    }

    /** Queued by close() to wake the thread at once; identity-compared. */
    private static final Pending STOP = new Pending(0, List.of());

    private final KvEventsConfig config;
    private final byte[] topic;
    private final ZContext context;
    private final boolean ownsContext;
    private final BlockingQueue<Pending> queue;
    private final Thread thread;
    /** Resolved addresses, written by the publisher thread during setup. */
    private volatile String endpoint;
    private volatile String replayEndpoint;

    // Publisher-thread state.
    private ZMQ.Socket pub;
    private ZMQ.Socket router;
    /** Connect mode only: receives the PUB socket's connection events for the handshake watchdog. */
    private ZMQ.Socket monitor;
    /** True while the current TCP link is connected but not yet handshaken; it connected at {@link #connectedAt}. */
    private boolean awaitingHandshake;
    private long connectedAt;
    private final KvEventEncoder encoder;
    private final ArrayDeque<Sent> replayBuffer;
    private long nextSequence;

    private volatile boolean running = true;
    private final AtomicLong publishedBatches = new AtomicLong();
    private final AtomicLong droppedBatches = new AtomicLong();
    private final AtomicLong droppedEvents = new AtomicLong();
    private final AtomicLong replayRequests = new AtomicLong();
    private final AtomicLong stalledHandshakes = new AtomicLong();
    /** Fault injection: live sends still to leave out (see {@link #skipLive(int)}). */
    private final AtomicInteger liveSkips = new AtomicInteger();

    /** A publisher with its own ZMQ context. */
    public ZmqKvEventPublisher(KvEventsConfig config) {
        this(config, null, null);
    }

    /**
     * A publisher whose sockets live in {@code sharedContext} (needed for {@code inproc://} endpoints, which only
     * connect sockets of one context). The context is not closed by {@link #close()}.
     */
    public ZmqKvEventPublisher(KvEventsConfig config, ZContext sharedContext) {
        this(config, Objects.requireNonNull(sharedContext, "sharedContext"), null);
    }

    /**
     * Test seam: {@code beforeLoop} runs on the publisher thread once the sockets are open and before the first batch
     * is taken from the queue (e.g. to hold the thread back and fill the queue).
     */
    ZmqKvEventPublisher(KvEventsConfig config, ZContext sharedContext, Runnable beforeLoop) {
        this.config = Objects.requireNonNull(config, "config");
        this.topic = config.topic().getBytes(StandardCharsets.UTF_8);
        this.ownsContext = sharedContext == null;
        this.context = ownsContext ? new ZContext(1) : sharedContext;
        if (ownsContext) {
            context.setLinger(OWNED_CONTEXT_LINGER_MS);
        }
        this.encoder = new KvEventEncoder(config.mapForm());
        this.nextSequence = config.firstSequence();
        this.queue = new LinkedBlockingQueue<>(config.maxQueueSize());
        this.replayBuffer = config.replayEndpoint() != null && config.bufferSteps() > 0 ? new ArrayDeque<>() : null;

        // The sockets are created, bound and used by the publisher thread only (vLLM does the same), so they never
        // cross threads; the constructor waits for the setup so that a bind error still surfaces here.
        CompletableFuture<Void> ready = new CompletableFuture<>();
        this.thread = new Thread(() -> run(ready, beforeLoop), "kv-events-publisher-" + THREAD_IDS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
        try {
            ready.get(SETUP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot open KV-event sockets for " + config, e.getCause());
        } catch (TimeoutException e) {
            close();
            throw new IllegalStateException("KV-event sockets not open within " + SETUP_TIMEOUT_MS + " ms: " + config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("Interrupted while opening KV-event sockets", e);
        }
    }

    /** Creates and binds or connects the sockets; runs on the publisher thread. */
    private void open() {
        pub = context.createSocket(SocketType.PUB);
        pub.setSndHWM(config.hwm());
        boolean bind = config.binds();
        if (!bind) {
            // Before connect, so that the first EVENT_CONNECTED is seen.
            String monitorAddress = "inproc://kv-events-publisher-monitor-" + MONITOR_IDS.incrementAndGet();
            pub.monitor(monitorAddress, MONITOR_EVENTS);
            monitor = context.createSocket(SocketType.PAIR);
            monitor.connect(monitorAddress);
        }
        endpoint = attach(pub, config.endpoint(), bind);
        if (config.replayEndpoint() != null) {
            router = context.createSocket(SocketType.ROUTER);
            // A full replay is bufferSteps messages plus the end marker; a smaller HWM would silently cut it.
            router.setSndHWM(config.hwm() == 0 ? 0 : Math.max(config.hwm(), config.bufferSteps() + 1));
            replayEndpoint = attach(router, config.replayEndpoint(), true);
        }
    }

    /**
     * vLLM's bind-or-connect rule: bind when the endpoint has a wildcard ({@code *}), an IPv6 any-address ({@code ::})
     * or is {@code ipc://} / {@code inproc://}; otherwise connect (a consumer such as the llm-d indexer has bound it).
     */
    public static boolean binds(String endpoint) {
        return endpoint.contains("*") || endpoint.contains("::") || endpoint.startsWith("ipc://")
                || endpoint.startsWith("inproc://");
    }

    private static String attach(ZMQ.Socket socket, String endpoint, boolean bind) {
        if (endpoint.contains("::") || endpoint.contains("[")) {
            socket.setIPv6(true);
        }
        if (bind) {
            if (!socket.bind(endpoint)) {
                throw new IllegalStateException("bind failed: " + endpoint);
            }
            // Resolves wildcard ports, e.g. tcp://127.0.0.1:* -> tcp://127.0.0.1:41234.
            String last = socket.getLastEndpoint();
            return last == null ? endpoint : last;
        }
        if (!socket.connect(endpoint)) {
            throw new IllegalStateException("connect failed: " + endpoint);
        }
        return endpoint;
    }

    /**
     * Enqueues one batch for the publisher thread. Never blocks: when the queue is full (or the publisher is closed)
     * the batch is dropped and counted in {@link #droppedBatches()} / {@link #droppedEvents()}. The list is copied; the
     * arrays inside the events are not, so callers must not mutate them afterwards. An empty list is ignored, as vLLM
     * only publishes steps that produced events.
     */
    @Override
    public void publish(double timestampSeconds, List<KvEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        List<KvEvent> copy = List.copyOf(events);
        for (KvEvent event : copy) {
            // Fail on the caller's stack, not later in the publisher thread.
            if (event instanceof KvEvent.BlockStored s) {
                Objects.requireNonNull(s.blockHashes(), "blockHashes");
                Objects.requireNonNull(s.tokenIds(), "tokenIds");
            } else if (event instanceof KvEvent.BlockRemoved r) {
                Objects.requireNonNull(r.blockHashes(), "blockHashes");
            }
        }
        if (!running || !queue.offer(new Pending(timestampSeconds, copy))) {
            long dropped = droppedBatches.incrementAndGet();
            droppedEvents.addAndGet(copy.size());
            if (dropped == 1 || dropped % 10_000 == 0) {
                LOG.log(Level.WARNING, "KV-event queue full or publisher closed: {0} batches dropped so far on {1}",
                        dropped, endpoint);
            }
        }
    }

    private void run(CompletableFuture<Void> ready, Runnable beforeLoop) {
        try {
            try {
                open();
            } catch (RuntimeException e) {
                ready.completeExceptionally(e);
                return;
            }
            ready.complete(null);
            if (beforeLoop != null) {
                beforeLoop.run();
            }
            long pollMs = router != null ? REPLAY_POLL_MS : IDLE_POLL_MS;
            while (true) {
                if (router != null) {
                    serveReplayRequests();
                }
                if (monitor != null) {
                    watchHandshake();
                }
                Pending next = queue.poll(pollMs, TimeUnit.MILLISECONDS);
                if (next == STOP || (next == null && !running)) {
                    break;
                }
                if (next != null) {
                    send(next);
                }
            }
            // Like vLLM, flush what was queued before close(); PUB sends never block, so this is quick.
            for (Pending p = queue.poll(); p != null; p = queue.poll()) {
                if (p != STOP) {
                    send(p);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Typically the shared context was terminated under us; nothing more can be sent.
            LOG.log(Level.ERROR, "KV-event publisher thread stopped on " + endpoint, e);
        } finally {
            running = false;
            destroy(router);
            destroy(pub);
            destroy(monitor);
            if (ownsContext) {
                context.close();
            }
        }
    }

    private void send(Pending batch) {
        byte[] payload;
        try {
            payload = encoder.encodeBatch(batch.timestampSeconds(), batch.events(), config.dataParallelRank());
        } catch (RuntimeException e) {
            // A bad batch must not kill the thread; it takes no sequence number, so subscribers see no gap.
            droppedBatches.incrementAndGet();
            droppedEvents.addAndGet(batch.events().size());
            LOG.log(Level.ERROR, "Cannot encode KV-event batch", e);
            return;
        }
        long seq = nextSequence++;
        if (liveSkips.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 0) {
            // A fresh seq array per message: JeroMQ queues the array itself, not a copy.
            pub.send(topic, ZMQ.SNDMORE | ZMQ.DONTWAIT);
            pub.send(toBytes(seq), ZMQ.SNDMORE | ZMQ.DONTWAIT);
            pub.send(payload, ZMQ.DONTWAIT);
        }
        if (replayBuffer != null) {
            if (replayBuffer.size() == config.bufferSteps()) {
                replayBuffer.pollFirst();
            }
            replayBuffer.addLast(new Sent(seq, payload));
        }
        publishedBatches.incrementAndGet();
    }

    /**
     * Works around a JeroMQ 0.6.0 lost wake-up: now and then (a few percent of connects to a peer in another context,
     * reproduced outside this class) the TCP connection is established but the I/O thread never runs the command that
     * attaches the ZMTP engine, so the connection never handshakes and every batch is silently dropped until some
     * other command happens to wake that thread. A connect whose handshake has not completed after
     * {@link #HANDSHAKE_STALL_MS} is therefore redone: the disconnect itself wakes the I/O thread, and the reconnect
     * starts a fresh link. Bound sockets are not watched; the stall was only seen on the connecting side.
     */
    private void watchHandshake() {
        for (ZMQ.Event event = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT); event != null;
                event = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT)) {
            awaitingHandshake = event.getEvent() == ZMQ.EVENT_CONNECTED;
            connectedAt = System.nanoTime();
        }
        if (awaitingHandshake
                && System.nanoTime() - connectedAt > TimeUnit.MILLISECONDS.toNanos(HANDSHAKE_STALL_MS)) {
            awaitingHandshake = false;
            stalledHandshakes.incrementAndGet();
            LOG.log(Level.WARNING, "KV-event PUB connected to {0} but no ZMTP handshake after {1} ms; reconnecting",
                    endpoint, HANDSHAKE_STALL_MS);
            pub.disconnect(config.endpoint());
            pub.connect(config.endpoint());
        }
    }

    private void serveReplayRequests() {
        for (int served = 0; served < MAX_REPLAY_REQUESTS_PER_TURN; served++) {
            byte[] identity = router.recv(ZMQ.DONTWAIT);
            if (identity == null) {
                return;
            }
            // Read the whole multipart message, keeping the third frame.
            byte[] start = null;
            int frames = 1;
            while (router.hasReceiveMore()) {
                byte[] frame = router.recv(0);
                if (++frames == 3) {
                    start = frame;
                }
            }
            if (frames != 3) {
                continue; // vLLM ignores anything but [identity, delimiter, start_seq] (it does not check the delimiter)
            }
            replayRequests.incrementAndGet();
            replay(identity, start);
        }
    }

    private void replay(byte[] identity, byte[] startFrame) {
        // start_seq is a big-endian unsigned integer (vLLM: int.from_bytes(frame, "big")); a value beyond 64 bits is
        // newer than anything buffered, so only the end marker goes back.
        boolean beyondAll = false;
        long start = 0;
        for (int i = 0; i < startFrame.length; i++) {
            if (i < startFrame.length - 8) {
                beyondAll |= startFrame[i] != 0;
            } else {
                start = (start << 8) | (startFrame[i] & 0xff);
            }
        }
        if (!beyondAll && replayBuffer != null) {
            for (Sent sent : replayBuffer) {
                if (Long.compareUnsigned(sent.sequence(), start) >= 0) {
                    router.send(identity, ZMQ.SNDMORE | ZMQ.DONTWAIT);
                    router.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT);
                    router.send(toBytes(sent.sequence()), ZMQ.SNDMORE | ZMQ.DONTWAIT);
                    router.send(sent.payload(), ZMQ.DONTWAIT);
                }
            }
        }
        router.send(identity, ZMQ.SNDMORE | ZMQ.DONTWAIT);
        router.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT);
        router.send(END_OF_REPLAY, ZMQ.SNDMORE | ZMQ.DONTWAIT);
        router.send(EMPTY, ZMQ.DONTWAIT);
    }

    static byte[] toBytes(long seq) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) seq;
            seq >>>= 8;
        }
        return b;
    }

    private void destroy(ZMQ.Socket socket) {
        if (socket != null) {
            try {
                context.destroySocket(socket);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "Ignoring error while closing a KV-event socket", e);
            }
        }
    }

    /**
     * Stops accepting batches, lets the thread send what is queued, and closes the sockets (and the context when
     * owned). Waits up to 5 seconds for the thread. Idempotent.
     */
    @Override
    public void close() {
        running = false;
        queue.offer(STOP); // if the queue is full the thread notices running == false once it is drained
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.log(Level.WARNING, "KV-event publisher thread on {0} did not stop within {1} ms", endpoint,
                        CLOSE_TIMEOUT_MS);
            }
        }
    }

    /**
     * Fault injection: the next {@code batches} batches take their sequence numbers and enter the replay buffer but
     * are not sent live, as when a PUB socket drops them at its high-water mark. Subscribers then see a sequence
     * gap, which they can recover through the replay socket.
     */
    public void skipLive(int batches) {
        if (batches < 0) {
            throw new IllegalArgumentException("batches must be >= 0: " + batches);
        }
        liveSkips.addAndGet(batches);
    }

    /** @return the PUB endpoint actually used: the resolved address when bound (wildcard ports filled in) */
    public String endpoint() {
        return endpoint;
    }

    /** @return the bound ROUTER endpoint (resolved), or null without replay */
    public String replayEndpoint() {
        return replayEndpoint;
    }

    public KvEventsConfig config() {
        return config;
    }

    /** @return true when {@link #endpoint()} was bound rather than connected */
    public boolean bound() {
        return config.binds();
    }

    /** @return batches handed to the PUB socket (ZMQ may still drop them at the HWM or before a subscriber joins) */
    public long publishedBatches() {
        return publishedBatches.get();
    }

    /** @return batches dropped because the queue was full, the publisher was closed or encoding failed */
    public long droppedBatches() {
        return droppedBatches.get();
    }

    /** @return events inside the dropped batches */
    public long droppedEvents() {
        return droppedEvents.get();
    }

    /** @return well-formed replay requests served */
    public long replayRequests() {
        return replayRequests.get();
    }

    /** @return connections redone because their handshake stalled (connect mode; see the class notes) */
    public long stalledHandshakes() {
        return stalledHandshakes.get();
    }

    /** @return true until the publisher thread has stopped */
    public boolean isAlive() {
        return thread.isAlive();
    }
}
