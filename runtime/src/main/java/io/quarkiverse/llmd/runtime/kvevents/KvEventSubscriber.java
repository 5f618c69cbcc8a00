package io.quarkiverse.llmd.runtime.kvevents;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.kvcache.KvEventDecodeException;
import io.quarkiverse.llmd.engine.kvcache.KvEventMessage;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventSettings;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;

/**
 * The ZMQ side of one pool's KV-event ingestion: one dedicated daemon thread that owns every socket (ZMQ sockets
 * are not thread-safe), receives the live messages, keeps each publisher's order with a {@link SourceSequencer},
 * asks publishers for replays, and hands the payloads to the {@link IngestionShards}.
 * <ul>
 * <li><b>Centralized</b> ({@code discoverPods: false}): one SUB socket <em>bound</em> on {@code zmqEndpoint}; every
 * pod's publisher connects to it and names itself in the topic ({@code kv@<pod>@<model>}). A topic whose pod is
 * not an endpoint of the pool (by address, name, or unique host) is dropped: a stray publisher cannot add entries
 * for endpoints that do not exist.</li>
 * <li><b>Per pod</b> ({@code discoverPods: true}): one SUB socket per endpoint of the pool, <em>connected</em> to
 * {@code tcp://<endpoint host>:<socketPort>}, opened and closed as the pool's registry gains and loses endpoints.
 * ZMQ reconnects with exponential backoff (100 ms to 5 s); a connection whose ZMTP handshake stalls (a JeroMQ 0.6.0
 * lost wake-up, also guarded against in the simulator's publisher) is redone.</li>
 * </ul>
 * With {@code podDiscoveryConfig.replaySocketPort}, a DEALER socket per publisher connects to
 * {@code tcp://<endpoint host>:<replaySocketPort>} when a gap (or first contact) needs a replay. When an endpoint
 * leaves the pool, its sockets close and a purge of its entries is queued behind its last batch.
 */
final class KvEventSubscriber implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KvEventSubscriber.class);
    private static final AtomicInteger MONITOR_IDS = new AtomicInteger();
    private static final byte[] EMPTY = new byte[0];
    private static final int MONITOR_EVENTS = ZMQ.EVENT_CONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL
            | ZMQ.EVENT_DISCONNECTED;

    /**
     * Tuning of the subscriber; {@link #DEFAULTS} suits production and tests alike.
     *
     * @param pollMillis longest wait for a message before the thread looks at the registry and timers again
     * @param replayTimeoutMillis a replay without its end marker after this long is given up
     * @param maxHeld live batches held per publisher while its replay runs
     * @param handshakeStallMillis a connected link without a ZMTP handshake after this long is redone
     * @param bindRetryMaxMillis longest wait between attempts to bind the centralized socket
     * @param maxMessageBytes larger messages close the sending connection (ZMQ's own limit, checked before any
     *        allocation)
     * @param receiveHwm messages ZMQ queues per connection before the publisher drops
     * @param maxMessagesPerTurn messages taken from one socket before the others get a turn
     */
    record Settings(long pollMillis, long replayTimeoutMillis, int maxHeld, long handshakeStallMillis,
            long bindRetryMaxMillis, long maxMessageBytes, int receiveHwm, int maxMessagesPerTurn) {

        static final Settings DEFAULTS = new Settings(50, 5_000, 10_000, 2_000, 5_000, 64L << 20, 100_000, 1024);
    }

    /** One endpoint of the pool and what the subscriber keeps for it; confined to the I/O thread. */
    private final class Peer implements SourceSequencer.ReplayChannel {
        final Endpoint endpoint;
        final SourceSequencer sequencer;
        /** The identifiers its batches were stored under (bounded: each resolves to this endpoint). */
        final Set<String> seenIds = new LinkedHashSet<>();
        String podId;
        String model = "";
        ZMQ.Socket sub;
        ZMQ.Socket monitor;
        String subAddress;
        boolean awaitingHandshake;
        long connectedAt;
        ZMQ.Socket dealer;
        long reportedGaps;
        long reportedLost;
        long reportedReplayed;

        Peer(Endpoint endpoint) {
            this.endpoint = endpoint;
            this.podId = endpoint.address();
            this.sequencer = new SourceSequencer(this::deliver, config.replaySocketPort() > 0 ? this : null,
                    TimeUnit.MILLISECONDS.toNanos(settings.replayTimeoutMillis()), settings.maxHeld(),
                    config.replaySocketPort() > 0);
        }

        private void deliver(long sequence, byte[] payload, boolean replayed) {
            seenIds.add(podId);
            shards.submit(endpoint.name(), new IngestionShards.Batch(podId, model, payload));
        }

        @Override
        public boolean request(long fromSequence) {
            try {
                if (dealer == null) {
                    dealer = context.createSocket(SocketType.DEALER);
                    dealer.setLinger(0);
                    dealer.setRcvHWM(settings.maxHeld() * 2);
                    dealer.setMaxMsgSize(settings.maxMessageBytes());
                    String address = "tcp://" + endpoint.host() + ":" + config.replaySocketPort();
                    if (endpoint.host().startsWith("[")) {
                        dealer.setIPv6(true);
                    }
                    dealer.connect(address);
                    pollerDirty = true;
                }
                // A DEALER sends the delimiter the ROUTER expects ([identity, "", start_seq] on its side).
                return dealer.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT)
                        && dealer.send(KvEventMessage.sequenceFrame(fromSequence), ZMQ.DONTWAIT);
            } catch (ZMQException | IllegalStateException e) {
                LOG.debugf("pool %s: replay request to %s failed: %s", pool, endpoint.name(), e.getMessage());
                abandon();
                return false;
            }
        }

        @Override
        public void abandon() {
            // A fresh socket next time: replies of the abandoned replay must not be taken for the next one.
            destroy(dealer);
            dealer = null;
            pollerDirty = true;
        }

        void close() {
            destroy(sub);
            destroy(monitor);
            destroy(dealer);
            sub = monitor = dealer = null;
        }
    }

    private final String pool;
    private final KvEventSettings config;
    private final EndpointRegistry registry;
    private final IngestionShards shards;
    private final KvEventMetrics metrics;
    private final Settings settings;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String boundEndpoint;

    // I/O-thread state
    private ZContext context;
    private ZMQ.Socket central;
    private long nextBindAttempt;
    private long bindBackoffMillis = 100;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private Map<String, String> nameById = Map.of();
    private EndpointRegistry.Snapshot lastSnapshot;
    private ZMQ.Poller poller;
    private boolean pollerDirty = true;
    private int polled;
    private long lastUnknownLog;

    KvEventSubscriber(String pool, KvEventSettings config, EndpointRegistry registry, IngestionShards shards,
            KvEventMetrics metrics, Settings settings) {
        this.pool = pool;
        this.config = config;
        this.registry = registry;
        this.shards = shards;
        this.metrics = metrics;
        this.settings = settings;
        this.thread = new Thread(this::run, "llmd-kv-events-sub-" + pool);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The centralized socket's bound address (wildcard port resolved), or null before it is bound. */
    String boundEndpoint() {
        return boundEndpoint;
    }

    boolean centralized() {
        return !config.discoverPods();
    }

    private void run() {
        context = new ZContext(1);
        context.setLinger(0);
        try {
            while (running) {
                turn();
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.errorf(e, "pool %s: KV-event subscriber stopped", pool);
            }
        } finally {
            for (Peer p : peers.values()) {
                p.close();
            }
            destroy(central);
            if (poller != null) {
                poller.close();
            }
            context.close();
        }
    }

    private void turn() {
        reconcile();
        if (centralized() && central == null && System.nanoTime() - nextBindAttempt >= 0) {
            bind();
        }
        if (pollerDirty) {
            rebuildPoller();
        }
        if (polled == 0 || poller.poll(settings.pollMillis()) < 0) {
            sleep(settings.pollMillis());
        }
        if (!running) {
            return;
        }
        if (central != null) {
            drainLive(central, null);
        }
        long now = System.nanoTime();
        for (Peer p : List.copyOf(peers.values())) {
            if (p.sub != null) {
                drainLive(p.sub, p);
                watchHandshake(p, now);
            }
            if (p.dealer != null) {
                drainReplay(p);
            }
            p.sequencer.tick(now);
            report(p);
        }
    }

    private void bind() {
        ZMQ.Socket socket = context.createSocket(SocketType.SUB);
        configure(socket);
        String endpoint = config.zmqEndpoint();
        if (endpoint.contains("[") || endpoint.contains("::")) {
            socket.setIPv6(true);
        }
        try {
            if (!socket.bind(endpoint)) {
                throw new ZMQException("bind failed", socket.errno());
            }
        } catch (ZMQException | IllegalArgumentException e) {
            destroy(socket);
            LOG.warnf("pool %s: cannot bind the KV-event socket %s (%s); retrying in %d ms", pool, endpoint,
                    e.getMessage(), bindBackoffMillis);
            nextBindAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bindBackoffMillis);
            bindBackoffMillis = Math.min(settings.bindRetryMaxMillis(), bindBackoffMillis * 2);
            return;
        }
        central = socket;
        bindBackoffMillis = 100;
        String last = socket.getLastEndpoint();
        boundEndpoint = last == null ? endpoint : last;
        pollerDirty = true;
        LOG.infof("pool %s: receiving KV events on %s (centralized, topic filter '%s')", pool, boundEndpoint,
                config.topicFilter());
    }

    private void configure(ZMQ.Socket sub) {
        sub.setLinger(0);
        sub.setRcvHWM(settings.receiveHwm());
        sub.setMaxMsgSize(settings.maxMessageBytes());
        sub.setReconnectIVL(100);
        sub.setReconnectIVLMax(5_000);
        sub.subscribe(config.topicFilter().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Follows the pool's endpoints: new ones get a peer (and a socket per pod), departed ones are purged. */
    private void reconcile() {
        EndpointRegistry.Snapshot snapshot = registry.snapshot();
        if (snapshot == lastSnapshot) {
            return;
        }
        lastSnapshot = snapshot;
        Map<String, Endpoint> current = snapshot.byName();
        Map<String, String> ids = resolver(snapshot.endpoints());
        for (Peer p : List.copyOf(peers.values())) {
            Endpoint now = current.get(p.endpoint.name());
            if (now == null || !now.address().equals(p.endpoint.address())) {
                remove(p, ids);
            }
        }
        nameById = ids;
        for (Endpoint e : snapshot.endpoints()) {
            if (!peers.containsKey(e.name())) {
                add(e);
            }
        }
        metrics.publishers(peers.size());
    }

    /** Identifier to endpoint name: each address, each name, and each host that only one endpoint has. */
    static Map<String, String> resolver(List<Endpoint> endpoints) {
        Map<String, String> ids = new HashMap<>();
        Map<String, Integer> hosts = new HashMap<>();
        for (Endpoint e : endpoints) {
            hosts.merge(e.host(), 1, Integer::sum);
        }
        for (Endpoint e : endpoints) {
            if (hosts.get(e.host()) == 1) {
                ids.put(e.host(), e.name());
            }
        }
        for (Endpoint e : endpoints) {
            ids.put(e.name(), e.name());
        }
        for (Endpoint e : endpoints) {
            ids.put(e.address(), e.name()); // the address wins over a name spelled like another's address
        }
        return ids;
    }

    private void add(Endpoint e) {
        Peer p = new Peer(e);
        peers.put(e.name(), p);
        if (!centralized()) {
            ZMQ.Socket sub = context.createSocket(SocketType.SUB);
            configure(sub);
            if (e.host().startsWith("[")) {
                sub.setIPv6(true);
            }
            String monitorAddress = "inproc://llmd-kv-events-monitor-" + MONITOR_IDS.incrementAndGet();
            sub.monitor(monitorAddress, MONITOR_EVENTS);
            ZMQ.Socket monitor = context.createSocket(SocketType.PAIR);
            monitor.connect(monitorAddress);
            p.subAddress = "tcp://" + e.host() + ":" + config.socketPort();
            p.sub = sub;
            p.monitor = monitor;
            sub.connect(p.subAddress);
            pollerDirty = true;
            LOG.debugf("pool %s: subscribing to KV events of %s at %s", pool, e.name(), p.subAddress);
        }
    }

    private void remove(Peer p, Map<String, String> currentIds) {
        peers.remove(p.endpoint.name());
        p.close();
        pollerDirty = true;
        List<String> purge = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>(p.seenIds);
        ids.add(p.endpoint.address());
        ids.add(p.endpoint.name());
        for (String id : ids) {
            // An identifier that now names another endpoint (a reused address) keeps its entries.
            String other = currentIds.get(id);
            if (other == null || other.equals(p.endpoint.name())) {
                purge.add(id);
            }
        }
        shards.submit(p.endpoint.name(), new IngestionShards.Purge(List.copyOf(purge)));
        LOG.debugf("pool %s: %s left; purging its KV-cache entries %s", pool, p.endpoint.name(), purge);
    }

    private void rebuildPoller() {
        if (poller != null) {
            poller.close();
        }
        List<ZMQ.Socket> sockets = new ArrayList<>();
        if (central != null) {
            sockets.add(central);
        }
        for (Peer p : peers.values()) {
            if (p.sub != null) {
                sockets.add(p.sub);
            }
            if (p.dealer != null) {
                sockets.add(p.dealer);
            }
        }
        poller = context.createPoller(Math.max(1, sockets.size()));
        for (ZMQ.Socket s : sockets) {
            poller.register(s, ZMQ.Poller.POLLIN);
        }
        polled = sockets.size();
        pollerDirty = false;
    }

    /** Reads one multipart message without blocking; keeps at most {@code max} frames (the rest are counted). */
    private static List<byte[]> receive(ZMQ.Socket socket, int max, int[] frameCount) {
        byte[] first = socket.recv(ZMQ.DONTWAIT);
        if (first == null) {
            return null;
        }
        List<byte[]> frames = new ArrayList<>(max);
        frames.add(first);
        int count = 1;
        while (socket.hasReceiveMore()) {
            byte[] frame = socket.recv(0);
            if (++count <= max && frame != null) {
                frames.add(frame);
            }
        }
        frameCount[0] = count;
        return frames;
    }

    private void drainLive(ZMQ.Socket socket, Peer peer) {
        int[] count = new int[1];
        for (int i = 0; i < settings.maxMessagesPerTurn() && running; i++) {
            List<byte[]> frames = receive(socket, 3, count);
            if (frames == null) {
                return;
            }
            if (count[0] != 3) {
                metrics.dropped(KvEventMetrics.DropReason.MALFORMED);
                continue;
            }
            KvEventMessage message;
            try {
                message = KvEventMessage.of(frames);
            } catch (KvEventDecodeException e) {
                metrics.dropped(KvEventMetrics.DropReason.MALFORMED);
                continue;
            }
            Peer target = peer == null ? byTopic(message) : checkTopic(peer, message);
            if (target == null) {
                metrics.dropped(KvEventMetrics.DropReason.UNKNOWN_POD);
                logUnknown(message);
                continue;
            }
            target.model = message.topic().model();
            target.sequencer.live(message.sequence(), message.payload(), System.nanoTime());
        }
    }

    /** Centralized: the topic names the endpoint. */
    private Peer byTopic(KvEventMessage message) {
        String podId = message.topic().podId();
        String name = nameById.get(podId);
        Peer p = name == null ? null : peers.get(name);
        if (p != null) {
            p.podId = podId;
        }
        return p;
    }

    /**
     * Per pod: the socket names the endpoint. The topic's pod id is kept when it is one of this endpoint's
     * identifiers (the scorer looks entries up by address, host and name); a topic that names nothing of the pool
     * (vLLM's default empty topic, say) is stored under the endpoint's address; one that names another endpoint
     * is a misconfiguration and dropped.
     */
    private Peer checkTopic(Peer peer, KvEventMessage message) {
        String podId = message.topic().podId();
        String name = nameById.get(podId);
        if (name == null) {
            peer.podId = peer.endpoint.address();
            return peer;
        }
        if (!name.equals(peer.endpoint.name())) {
            return null;
        }
        peer.podId = podId;
        return peer;
    }

    private void logUnknown(KvEventMessage message) {
        long now = System.nanoTime();
        if (lastUnknownLog == 0 || now - lastUnknownLog > TimeUnit.SECONDS.toNanos(10)) {
            lastUnknownLog = now;
            LOG.warnf("pool %s: KV events for pod '%s' dropped: no endpoint of the pool has that address, name or"
                    + " host (the topic's pod id must identify the endpoint, e.g. kv@<ip>:<port>@<model>)", pool,
                    truncate(message.topic().podId()));
        }
    }

    private static String truncate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    /**
     * Replay replies: vLLM's {@code ["", seq, payload]} as a DEALER sees them, also without the delimiter, and
     * llm-d-inference-sim's {@code ["", topic, seq, payload]}; the end marker has sequence {@code FF x 8}.
     */
    private void drainReplay(Peer p) {
        int[] count = new int[1];
        for (int i = 0; i < settings.maxMessagesPerTurn() && p.dealer != null; i++) {
            List<byte[]> frames = receive(p.dealer, 4, count);
            if (frames == null) {
                return;
            }
            int n = count[0];
            byte[] seq;
            byte[] payload;
            if (n == 3 && frames.get(0).length == 0) {
                seq = frames.get(1);
                payload = frames.get(2);
            } else if (n == 4 && frames.get(0).length == 0) {
                seq = frames.get(2);
                payload = frames.get(3);
            } else if (n == 2) {
                seq = frames.get(0);
                payload = frames.get(1);
            } else {
                metrics.dropped(KvEventMetrics.DropReason.MALFORMED);
                continue;
            }
            long sequence;
            try {
                sequence = KvEventMessage.sequence(seq);
            } catch (KvEventDecodeException e) {
                metrics.dropped(KvEventMetrics.DropReason.MALFORMED);
                continue;
            }
            if (KvEventMessage.isReplayEnd(sequence)) {
                p.sequencer.replayEnd();
            } else {
                p.sequencer.replayed(sequence, payload);
            }
        }
    }

    /** The JeroMQ handshake guard (see the simulator's publisher): a stalled connect is redone. */
    private void watchHandshake(Peer p, long now) {
        for (ZMQ.Event event = ZMQ.Event.recv(p.monitor, ZMQ.DONTWAIT); event != null;
                event = ZMQ.Event.recv(p.monitor, ZMQ.DONTWAIT)) {
            p.awaitingHandshake = event.getEvent() == ZMQ.EVENT_CONNECTED;
            p.connectedAt = now;
        }
        if (p.awaitingHandshake && now - p.connectedAt > TimeUnit.MILLISECONDS.toNanos(settings.handshakeStallMillis())) {
            p.awaitingHandshake = false;
            LOG.debugf("pool %s: KV-event link to %s connected without a handshake; reconnecting", pool,
                    p.subAddress);
            p.sub.disconnect(p.subAddress);
            p.sub.connect(p.subAddress);
        }
    }

    private void report(Peer p) {
        SourceSequencer.Counts c = p.sequencer.counts();
        metrics.sequence(c.gaps - p.reportedGaps, c.lost - p.reportedLost, c.replayed - p.reportedReplayed);
        p.reportedGaps = c.gaps;
        p.reportedLost = c.lost;
        p.reportedReplayed = c.replayed;
    }

    private void destroy(ZMQ.Socket socket) {
        if (socket != null) {
            try {
                context.destroySocket(socket);
            } catch (RuntimeException e) {
                LOG.debug("ignoring an error while closing a KV-event socket", e);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread (its sockets close with it) and then the shards, after what they hold is applied. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warnf("pool %s: KV-event subscriber thread did not stop within 5 s", pool);
        }
        shards.close();
    }
}
