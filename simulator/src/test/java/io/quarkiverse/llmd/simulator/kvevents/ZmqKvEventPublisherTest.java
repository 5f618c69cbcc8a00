package io.quarkiverse.llmd.simulator.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Live ZMQ behaviour of {@link ZmqKvEventPublisher}. No test depends on timing: the PUB/SUB slow-joiner window is
 * bridged by publishing numbered probes until one arrives (each probe's ts is its index, so seq == first + ts proves
 * the numbering), waits are condition polls with generous deadlines, and the queue-full test holds the publisher
 * thread back explicitly.
 *
 * <p>
 * Test-side sockets that connect are renewed when nothing arrives for a while: JeroMQ 0.6.0 sometimes leaves a fresh
 * TCP connection un-handshaken until another command wakes its I/O thread (a few percent of connects between two
 * contexts; the publisher has its own watchdog for its connect mode). Once a first message has arrived the
 * connection is known good and nothing is renewed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZmqKvEventPublisherTest {

    private static final long DEADLINE_MS = 20_000;
    private static final String TOPIC = "kv@10.0.0.7:8000@Qwen/Qwen3-8B";

    /** One live message as a SUB sees it. */
    record Live(String topic, long seq, TestKvEventDecoder.Batch batch, byte[] seqFrame) {
    }

    private static KvEvent stored(long i) {
        // Hash with the top bit set: exercises uint64 on the wire; 16 tokens: array16.
        return new KvEvent.BlockStored(new long[] { Long.MIN_VALUE | i }, i == 0 ? null : Long.MIN_VALUE | (i - 1),
                new int[16], 16, null, "GPU", null);
    }

    @Test
    void bindsWhenEndpointHasWildcardAndSequencesFromConfiguredStart() {
        KvEventsConfig config = KvEventsConfig.of("tcp://127.0.0.1:*", TOPIC).withFirstSequence(1)
                .withDataParallelRank(3);
        try (ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(config);
                ZContext ctx = new ZContext()) {
            assertThat(publisher.bound()).isTrue();
            assertThat(publisher.endpoint()).matches("tcp://127\\.0\\.0\\.1:\\d+");
            UnaryOperator<ZMQ.Socket> freshSub = old -> {
                if (old != null) {
                    ctx.destroySocket(old);
                }
                ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
                sub.setReceiveTimeOut(100);
                sub.connect(publisher.endpoint());
                sub.subscribe("kv@".getBytes(StandardCharsets.UTF_8)); // llm-d's prefix filter
                return sub;
            };

            List<Live> received = probeThenPublish(publisher, freshSub, 5);

            for (Live live : received) {
                assertThat(live.topic()).isEqualTo(TOPIC);
                assertThat(live.seqFrame()).hasSize(8);
                assertThat(live.seq()).isEqualTo(1 + (long) live.batch().ts()); // starts at 1, one per batch
                assertThat(live.batch().dataParallelRank()).isEqualTo(3);
                assertThat(live.batch().events()).hasSize(1);
                assertThat(live.batch().events().get(0).mapForm()).isFalse();
                assertThat(live.batch().events().get(0).event()).usingRecursiveComparison()
                        .isEqualTo(stored((long) live.batch().ts()));
            }
            assertContiguous(received);
        }
    }

    @Test
    void connectsWhenEndpointIsConcreteAndStartsAtZeroLikeVllm() {
        try (ZContext ctx = new ZContext()) {
            // The consumer binds (llm-d centralized mode); the publisher must connect to it.
            ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
            sub.setReceiveTimeOut(100);
            sub.bind("tcp://127.0.0.1:*");
            sub.subscribe(new byte[0]);
            String concrete = sub.getLastEndpoint();

            KvEventsConfig config = KvEventsConfig.of(concrete, TOPIC).withMapForm(true);
            try (ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(config)) {
                assertThat(publisher.bound()).isFalse();
                assertThat(publisher.endpoint()).isEqualTo(concrete);

                // The SUB is bound, so it is kept; the publisher's own handshake watchdog covers its connect.
                List<Live> received = probeThenPublish(publisher, old -> sub, 3);

                for (Live live : received) {
                    assertThat(live.seq()).isEqualTo((long) live.batch().ts());
                    assertThat(live.batch().dataParallelRank()).isNull();
                    assertThat(live.batch().events().get(0).mapForm()).isTrue();
                }
                assertContiguous(received);
            }
        }
    }

    @Test
    void connectModeRedoesALinkWhoseHandshakeNeverCompletes() throws Exception {
        // A raw TCP server that accepts and stays silent looks, to the publisher, exactly like JeroMQ's stalled
        // connect: connected, never handshaken. The watchdog must drop that link and dial again.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            KvEventsConfig config = KvEventsConfig.of("tcp://127.0.0.1:" + silent.getLocalPort(), TOPIC);
            try (ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(config)) {
                silent.setSoTimeout((int) DEADLINE_MS);
                try (Socket first = silent.accept(); Socket second = silent.accept()) {
                    assertThat(second.isConnected()).isTrue();
                }
                assertThat(publisher.stalledHandshakes()).isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void inprocNeedsAndUsesSharedContext() {
        try (ZContext ctx = new ZContext()) {
            KvEventsConfig config = KvEventsConfig.of("inproc://kv-events-test", "").withMapForm(true);
            try (ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(config, ctx)) {
                assertThat(publisher.bound()).isTrue();
                ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
                sub.setReceiveTimeOut(100);
                sub.connect("inproc://kv-events-test");
                sub.subscribe(new byte[0]);

                List<Live> received = probeThenPublish(publisher, old -> sub, 2); // inproc has no I/O thread

                assertThat(received).allSatisfy(live -> assertThat(live.topic()).isEmpty());
                assertContiguous(received);
                ctx.destroySocket(sub);
            }
            // close() destroyed the publisher's sockets but left the shared context open.
            assertThat(ctx.isClosed()).isFalse();
            assertThat(ctx.getSockets()).isEmpty();
        }
    }

    @Test
    void bindOrConnectHeuristic() {
        assertThat(ZmqKvEventPublisher.binds("tcp://*:5557")).isTrue();
        assertThat(ZmqKvEventPublisher.binds("tcp://127.0.0.1:*")).isTrue();
        assertThat(ZmqKvEventPublisher.binds("tcp://[::]:5557")).isTrue();
        assertThat(ZmqKvEventPublisher.binds("tcp://::1:5557")).isTrue();
        assertThat(ZmqKvEventPublisher.binds("ipc:///tmp/kv.sock")).isTrue();
        assertThat(ZmqKvEventPublisher.binds("inproc://kv")).isTrue();
        assertThat(ZmqKvEventPublisher.binds("tcp://10.0.0.1:5557")).isFalse();
        assertThat(ZmqKvEventPublisher.binds("tcp://epp.llm-d.svc:5557")).isFalse();
    }

    @Test
    void replayServesBufferedBatchesFromStartSeqThenEndMarker() {
        KvEventsConfig config = KvEventsConfig.of("tcp://127.0.0.1:*", TOPIC)
                .withReplayEndpoint("tcp://127.0.0.1:*").withBufferSteps(3);
        try (ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(config);
                ZContext ctx = new ZContext()) {
            assertThat(publisher.replayEndpoint()).matches("tcp://127\\.0\\.0\\.1:\\d+");
            for (int i = 0; i < 5; i++) {
                publisher.publish(i, List.of(stored(i)));
            }
            // Replays read the buffer, so wait until all five are sent (seqs 0..4, buffer keeps 2, 3, 4).
            await(() -> publisher.publishedBatches() == 5);

            ZMQ.Socket dealer = connectedDealer(ctx, publisher.replayEndpoint());

            assertThat(replay(dealer, 3)).containsExactly(3L, 4L);
            assertThat(replay(dealer, 0)).containsExactly(2L, 3L, 4L); // older than the buffer: what is left
            assertThat(replay(dealer, 5)).isEmpty(); //                   nothing yet: only the end marker

            // Malformed requests (here 4 frames at the ROUTER, and 2) are ignored: had one been served from seq 0,
            // the next reply would start at 2, not 4.
            long served = publisher.replayRequests();
            dealer.send(new byte[0], ZMQ.SNDMORE);
            dealer.send(ZmqKvEventPublisher.toBytes(0), ZMQ.SNDMORE);
            dealer.send("junk");
            dealer.send(ZmqKvEventPublisher.toBytes(0));
            assertThat(replay(dealer, 4)).containsExactly(4L);
            assertThat(publisher.replayRequests()).isEqualTo(served + 1);
        }
    }

    /**
     * A DEALER on the replay endpoint whose connection is known to work: it pings with a replay request for a sequence
     * far in the future (answered by the end marker alone) and renews the socket until an answer comes.
     */
    private static ZMQ.Socket connectedDealer(ZContext ctx, String endpoint) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
            dealer.setReceiveTimeOut(1_000);
            dealer.connect(endpoint);
            dealer.send(new byte[0], ZMQ.SNDMORE);
            dealer.send(ZmqKvEventPublisher.toBytes(Long.MAX_VALUE), 0);
            byte[] first = dealer.recv(0);
            if (first != null) {
                List<byte[]> frames = new ArrayList<>(List.of(first));
                while (dealer.hasReceiveMore()) {
                    frames.add(dealer.recv(0));
                }
                assertThat(frames).hasSize(3);
                assertThat(frames.get(1)).containsExactly(ZmqKvEventPublisher.END_OF_REPLAY);
                dealer.setReceiveTimeOut((int) DEADLINE_MS);
                return dealer;
            }
            ctx.destroySocket(dealer);
            assertThat(System.currentTimeMillis()).as("replay endpoint never answered").isLessThan(deadline);
        }
    }

    /** Sends {@code ["", start]} and returns the sequences replayed before the end marker, checking each frame. */
    private static List<Long> replay(ZMQ.Socket dealer, long start) {
        dealer.send(new byte[0], ZMQ.SNDMORE);
        dealer.send(ZmqKvEventPublisher.toBytes(start), 0);
        List<Long> seqs = new ArrayList<>();
        while (true) {
            List<byte[]> frames = recvMultipart(dealer);
            assertThat(frames).as("replay reply [\"\", seq, payload]: no topic frame").hasSize(3);
            assertThat(frames.get(0)).isEmpty();
            assertThat(frames.get(1)).hasSize(8);
            if (ByteBuffer.wrap(frames.get(1)).getLong() == -1) { // FF x 8
                assertThat(frames.get(2)).isEmpty();
                return seqs;
            }
            long seq = ByteBuffer.wrap(frames.get(1)).getLong();
            TestKvEventDecoder.Batch batch = TestKvEventDecoder.decode(frames.get(2));
            assertThat((long) batch.ts()).isEqualTo(seq); // batch i was published with ts i and got seq i
            assertThat(batch.events().get(0).event()).usingRecursiveComparison().isEqualTo(stored(seq));
            seqs.add(seq);
        }
    }

    @Test
    void fullQueueDropsAndCountsThenCloseStopsThreadAndReleasesPorts() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        Runnable holdBack = () -> {
            threads.add(Thread.currentThread());
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        KvEventsConfig config = KvEventsConfig.of("tcp://127.0.0.1:*", TOPIC).withMaxQueueSize(3)
                .withReplayEndpoint("tcp://127.0.0.1:*");
        ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(config, null, holdBack);
        String pubEndpoint = publisher.endpoint();
        String replayEndpoint = publisher.replayEndpoint();
        try {
            List<KvEvent> twoEvents = List.of(stored(1), new KvEvent.BlockRemoved(new long[] { 9 }, "GPU"));
            for (int i = 0; i < 5; i++) {
                publisher.publish(i, twoEvents); // the thread is not draining: 3 fit, 2 are dropped
            }
            assertThat(publisher.droppedBatches()).isEqualTo(2);
            assertThat(publisher.droppedEvents()).isEqualTo(4);
            publisher.publish(9, List.of()); // empty steps are not batches at all
            assertThat(publisher.droppedBatches()).isEqualTo(2);

            gate.countDown();
            await(() -> publisher.publishedBatches() == 3);
        } finally {
            gate.countDown();
            publisher.close();
        }
        assertThat(threads).singleElement().satisfies(t -> assertThat(t.isAlive()).isFalse());
        assertThat(publisher.isAlive()).isFalse();
        publisher.close(); // idempotent

        publisher.publish(10, List.of(stored(1)));
        assertThat(publisher.droppedBatches()).isEqualTo(3); // after close: dropped, not thrown

        // The ports are free again: bind both exact addresses with fresh sockets.
        try (ZContext ctx = new ZContext()) {
            assertThat(ctx.createSocket(SocketType.PUB).bind(pubEndpoint)).isTrue();
            assertThat(ctx.createSocket(SocketType.ROUTER).bind(replayEndpoint)).isTrue();
        }
    }

    @Test
    void bindFailureSurfacesInConstructor() {
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket squatter = ctx.createSocket(SocketType.PUB);
            squatter.bind("tcp://127.0.0.1:*");
            // The replay ROUTER is always bound, so an exact address already in use must fail the constructor.
            KvEventsConfig config = KvEventsConfig.of("tcp://127.0.0.1:*", TOPIC)
                    .withReplayEndpoint(squatter.getLastEndpoint());
            assertThatThrownBy(() -> new ZmqKvEventPublisher(config)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void publishRejectsMalformedEventsOnCallerThread() {
        try (ZmqKvEventPublisher publisher = new ZmqKvEventPublisher(KvEventsConfig.of("tcp://127.0.0.1:*", ""))) {
            List<KvEvent> bad = List.of(new KvEvent.BlockStored(new long[1], null, null, 16, null, "GPU", null));
            assertThatThrownBy(() -> publisher.publish(0, bad)).isInstanceOf(NullPointerException.class);
            assertThat(publisher.droppedBatches()).isZero();
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    /**
     * Bridges the slow-joiner window: publishes probe i (ts = i) until the SUB sees one, collects every probe still in
     * flight, then publishes {@code extra} more batches and collects them. Returns all received messages in order.
     * {@code renew} gives a fresh SUB (or the same one) when nothing has arrived for a second.
     */
    private static List<Live> probeThenPublish(ZmqKvEventPublisher publisher, UnaryOperator<ZMQ.Socket> renew,
            int extra) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        List<Live> received = new ArrayList<>();
        ZMQ.Socket sub = renew.apply(null);
        long since = System.currentTimeMillis();
        int sent = 0;
        while (received.isEmpty()) {
            assertThat(System.currentTimeMillis()).as("no probe arrived").isLessThan(deadline);
            if (System.currentTimeMillis() - since > 1_000) {
                sub = renew.apply(sub);
                since = System.currentTimeMillis();
            }
            publisher.publish(sent, List.of(stored(sent)));
            sent++;
            Live live = recvLive(sub);
            if (live != null) {
                received.add(live);
            }
        }
        for (int i = 0; i < extra; i++) {
            publisher.publish(sent, List.of(stored(sent)));
            sent++;
        }
        // Once subscribed nothing is lost (far below the HWM), so everything up to the last ts arrives in order.
        while (received.get(received.size() - 1).batch().ts() < sent - 1) {
            assertThat(System.currentTimeMillis()).as("messages after the first probe missing").isLessThan(deadline);
            Live live = recvLive(sub);
            if (live != null) {
                received.add(live);
            }
        }
        assertThat(received.size()).isGreaterThan(extra);
        return received;
    }

    /** One live message, or null on a receive timeout; asserts exactly 3 frames. */
    private static Live recvLive(ZMQ.Socket sub) {
        byte[] topic = sub.recv(0);
        if (topic == null) {
            return null;
        }
        List<byte[]> frames = new ArrayList<>();
        frames.add(topic);
        while (sub.hasReceiveMore()) {
            frames.add(sub.recv(0));
        }
        assertThat(frames).as("live message frames [topic, seq, payload]").hasSize(3);
        byte[] seq = frames.get(1);
        assertThat(seq).hasSize(8);
        return new Live(new String(topic, StandardCharsets.UTF_8), ByteBuffer.wrap(seq).getLong(),
                TestKvEventDecoder.decode(frames.get(2)), seq);
    }

    private static List<byte[]> recvMultipart(ZMQ.Socket socket) {
        List<byte[]> frames = new ArrayList<>();
        byte[] first = socket.recv(0);
        assertThat(first).as("reply within the deadline").isNotNull();
        frames.add(first);
        while (socket.hasReceiveMore()) {
            frames.add(socket.recv(0));
        }
        return frames;
    }

    private static void assertContiguous(List<Live> received) {
        for (int i = 1; i < received.size(); i++) {
            assertThat(received.get(i).seq()).isEqualTo(received.get(i - 1).seq() + 1);
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition not reached in time").isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
