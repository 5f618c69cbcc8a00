package io.quarkiverse.llmd.runtime.kvcache;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.quarkiverse.llmd.engine.kvcache.BlockKeyChain;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvPrefixMatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * A {@link KvBlockIndex} shared by several gateway replicas through Redis, with the in-memory index's semantics.
 *
 * <h2>Why a decision never waits on Redis</h2>
 * Each replica keeps a full local mirror, an {@link InMemoryKvBlockIndex}, and answers {@link #longestPrefix} and
 * {@link #requestKey} from it alone: the scheduler's lookup is the in-memory one (microseconds for hundreds of
 * blocks), whatever Redis is doing. Redis carries changes, not lookups:
 * <ul>
 * <li><b>Writes</b> ({@link #add}, {@link #evict}, {@link #clear}, {@link #removeEndpoint}) apply to the mirror at
 * once and queue the change in a bounded outbox; the caller (the KV-event ingestion thread) never waits on the
 * network. A publisher thread drains the outbox in batches (up to {@code batchSize} changes per stream entry, so a
 * burst costs one round trip) and appends them to the pool's Redis Stream with {@code XADD ... MAXLEN ~}. When the
 * outbox is full a change is dropped and counted; a batch that fails {@code publishRetries + 1} times is dropped and
 * counted.</li>
 * <li><b>Reads of other replicas' changes</b>: a consumer thread follows the stream ({@code XREAD BLOCK}) from its
 * own position and applies every entry another replica wrote to the mirror, in stream order. Its own entries are
 * skipped: they were applied when they were made.</li>
 * <li><b>Late joiners and resync</b>: every {@code snapshotInterval} one replica (whichever takes a short lock) writes
 * a snapshot of its mirror with the stream position it includes. A replica that starts, or that reconnects after
 * the stream was trimmed past its position, builds a fresh mirror from the snapshot, catches up from the snapshot's
 * position, and swaps it in; the old mirror keeps answering until then, and local changes made meanwhile are
 * replayed onto the new one.</li>
 * <li><b>Bounds</b>: the mirror has the in-memory index's capacity and LRU eviction (eviction stays local: each
 * replica evicts its least recently stored keys); the stream is trimmed to {@code streamMaxLength} entries; stream
 * and snapshot expire after {@code keyTtl} without writes.</li>
 * </ul>
 * The staleness window is the propagation delay: outbox wait (none when idle; one batch under load), one
 * {@code XADD} round trip, and the consumer's wake-up on {@code XREAD BLOCK}: milliseconds on a local network,
 * measured in docs/benchmarks.md. A block learned through replica A may be missed by replica B for that long, which
 * costs at worst one less-than-ideal pick.
 * <p>
 * Every change is an operation replayed in order, not a state copy: each replica resolves engine keys with its own
 * engine-key map, built by the same adds. Changes are idempotent set operations, so when two replicas hear the same
 * pod (per-pod discovery mode) and both publish its events, replaying the other copy only re-walks states the
 * replica already went through and ends in the same state.
 */
public final class RedisKvBlockIndex implements KvBlockIndex, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisKvBlockIndex.class);

    /** Stream entries read per {@code XREAD}. */
    private static final int READ_COUNT = 256;
    /** How long one {@code XREAD} waits for new entries; also bounds how long {@link #close} waits. */
    private static final long READ_BLOCK_MILLIS = 500;
    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Redis refuses strings over 512 MiB. */
    private static final int MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024 - 1024;

    /** What this index did so far, for metrics and tests. */
    public record Stats(long localOps, long publishedOps, long droppedOps, long publishFailures, long appliedRemoteOps,
            long rejectedRemoteOps, long decodeErrors, long resyncs, long snapshotsWritten, long outboxSize,
            boolean connected) {
    }

    private final Vertx vertx;
    private final RedisIndexSettings settings;
    private final InMemoryKvBlockIndex.Config indexConfig;
    private final String scope;
    private final String streamKey;
    private final String snapshotKey;
    private final String lockKey;
    private final String replicaId = UUID.randomUUID().toString();
    private final ArrayBlockingQueue<IndexOp> outbox;

    /** Serialises local changes with the swap of the mirror after a resync, so that none is lost. */
    private final Object writeLock = new Object();
    private volatile InMemoryKvBlockIndex mirror;
    /** Local changes made while a new mirror is being built; null when none is. Guarded by writeLock. */
    private List<IndexOp> rebuildLog;

    private final Thread publisher;
    private final Thread consumer;
    private volatile boolean closed;
    /** False from a failed write until the next successful write or, when idle, a successful PING. */
    private volatile boolean publisherHealthy = true;
    private volatile boolean consumerConnected;

    private final AtomicLong localOps = new AtomicLong();
    private final AtomicLong publishedOps = new AtomicLong();
    private final AtomicLong droppedOps = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private final AtomicLong appliedRemoteOps = new AtomicLong();
    private final AtomicLong rejectedRemoteOps = new AtomicLong();
    private final AtomicLong decodeErrors = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong snapshotsWritten = new AtomicLong();
    private final AtomicLong lastDropWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    /**
     * Starts the publisher and consumer threads; they connect in the background, so a Redis that is down at start
     * delays sharing, never the caller.
     *
     * @param vertx the Vert.x instance the client runs on (its event loops only parse replies)
     * @param scope what this index is shared for, unique per pool and plugin; part of every key
     * @param indexConfig the local mirror's capacity and tier weights
     */
    public RedisKvBlockIndex(Vertx vertx, RedisIndexSettings settings, String scope,
            InMemoryKvBlockIndex.Config indexConfig) {
        if (scope == null || scope.isBlank()) {
            throw new IllegalArgumentException("a shared index needs a scope (pool and plugin name)");
        }
        this.vertx = vertx;
        this.settings = settings;
        this.indexConfig = indexConfig;
        this.scope = scope;
        // One hash tag per scope keeps its keys in one slot should the server be a cluster proxy.
        String base = settings.keyPrefix() + "{" + scope + "}:";
        this.streamKey = base + "ops";
        this.snapshotKey = base + "snapshot";
        this.lockKey = base + "snapshot-lock";
        this.outbox = new ArrayBlockingQueue<>(settings.outboxCapacity());
        this.mirror = new InMemoryKvBlockIndex(indexConfig);
        this.publisher = new Thread(this::publishLoop, "llmd-kv-index-publisher[" + scope + "]");
        this.consumer = new Thread(this::consumeLoop, "llmd-kv-index-consumer[" + scope + "]");
        publisher.setDaemon(true);
        consumer.setDaemon(true);
        publisher.start();
        consumer.start();
    }

    /** The stream key (for tests and diagnostics). */
    public String streamKey() {
        return streamKey;
    }

    /** This replica's identity in stream entries. */
    public String replicaId() {
        return replicaId;
    }

    public Stats stats() {
        return new Stats(localOps.get(), publishedOps.get(), droppedOps.get(), publishFailures.get(), appliedRemoteOps.get(),
                rejectedRemoteOps.get(), decodeErrors.get(), resyncs.get(), snapshotsWritten.get(), outbox.size(),
                publisherHealthy && consumerConnected);
    }

    /** The local mirror lookups are answered from (replaced on resync). */
    public InMemoryKvBlockIndex mirror() {
        return mirror;
    }

    // ------------------------------------------------------------------------------------------ KvBlockIndex

    @Override
    public void add(long[] engineKeys, int engineCount, long[] requestKeys, int requestCount, String endpoint,
            String tier) {
        if (requestCount <= 0) {
            return;
        }
        local(IndexOp.Add.of(engineKeys, engineCount, requestKeys, requestCount, endpoint, tier));
    }

    @Override
    public void evict(long engineKey, String endpoint, String tier) {
        local(new IndexOp.Evict(engineKey, endpoint, tier));
    }

    @Override
    public void clear(String endpoint) {
        local(new IndexOp.Clear(endpoint));
    }

    @Override
    public void removeEndpoint(String endpoint) {
        local(new IndexOp.RemoveEndpoint(endpoint));
    }

    /**
     * Speculative entries stay in this replica's mirror and are not published (llm-d writes them to Redis): another
     * replica learns the block when the endpoint's real BlockStored arrives through the stream. Publishing them
     * would need a new kind of replicated change with its own expiry on every replica; they live seconds at most,
     * and a resync's new mirror starts without them (the next decisions make new ones).
     */
    @Override
    public void addSpeculative(long[] requestKeys, int count, String endpoint, long expiresAtNanos) {
        mirror.addSpeculative(requestKeys, count, endpoint, expiresAtNanos);
    }

    @Override
    public boolean supportsSpeculativeEntries() {
        return true;
    }

    @Override
    public void expireSpeculative(long nowNanos) {
        mirror.expireSpeculative(nowNanos);
    }

    @Override
    public long speculativeCount() {
        return mirror.speculativeCount();
    }

    @Override
    public long requestKey(long engineKey) {
        return mirror.requestKey(engineKey);
    }

    @Override
    public KvPrefixMatch longestPrefix(long[] requestKeys, int count) {
        return mirror.longestPrefix(requestKeys, count);
    }

    @Override
    public KvPrefixMatch longestPrefix(BlockKeyChain chain) {
        return mirror.longestPrefix(chain);
    }

    @Override
    public long blockCount() {
        return mirror.blockCount();
    }

    @Override
    public long entryCount() {
        return mirror.entryCount();
    }

    /** Applies a local change to the mirror, then queues it for the other replicas without waiting. */
    private void local(IndexOp op) {
        synchronized (writeLock) {
            // First the mirror: a change it refuses (too many endpoints) is not worth sharing.
            op.applyTo(mirror);
            if (rebuildLog != null && rebuildLog.size() < settings.outboxCapacity()) {
                rebuildLog.add(op);
            }
        }
        localOps.incrementAndGet();
        if (!outbox.offer(op)) {
            dropped(1, "the outbox is full (" + settings.outboxCapacity() + " changes); is Redis reachable?");
        }
    }

    private void dropped(int count, String why) {
        long total = droppedOps.addAndGet(count);
        long now = System.nanoTime();
        long last = lastDropWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastDropWarning.compareAndSet(last, now)) {
            LOG.warnf("Shared KV-block index %s: dropped %d change(s) other replicas will not see (%d so far): %s",
                    scope, count, total, why);
        }
    }

    // ------------------------------------------------------------------------------------------ publisher

    private void publishLoop() {
        Link link = new Link("publisher");
        List<IndexOp> batch = new ArrayList<>(settings.batchSize());
        int attempts = 0;
        int probes = 0;
        while (!closed) {
            try {
                if (batch.isEmpty()) {
                    IndexOp first = outbox.poll(READ_BLOCK_MILLIS, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (!publisherHealthy) {
                            // Nothing to write, but the last write failed: find out whether Redis is back, so that
                            // stats().connected() tells the truth before the next change arrives.
                            link.await(link.connection().send(Request.cmd(Command.PING)),
                                    settings.commandTimeout().toMillis());
                            publisherHealthy = true;
                            probes = 0;
                        }
                        continue;
                    }
                    batch.add(first);
                    outbox.drainTo(batch, settings.batchSize() - 1);
                }
                RedisConnection c = link.connection();
                byte[] data = IndexOpCodec.encode(batch);
                Request xadd = Request.cmd(Command.XADD).arg(streamKey).arg("MAXLEN").arg("~")
                        .arg(settings.streamMaxLength()).arg("*").arg("o").arg(replicaId).arg("d")
                        .arg(Buffer.buffer(data));
                Request expire = Request.cmd(Command.PEXPIRE).arg(streamKey).arg(settings.keyTtl().toMillis());
                link.await(c.batch(List.of(xadd, expire)), settings.commandTimeout().toMillis());
                publisherHealthy = true;
                publishedOps.addAndGet(batch.size());
                batch.clear();
                attempts = 0;
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                publisherHealthy = false;
                link.reset();
                if (batch.isEmpty()) {
                    // The idle probe failed: no change is at stake, so nothing is counted; back off and probe again.
                    if (!sleep(backoff(++probes))) {
                        break;
                    }
                    continue;
                }
                probes = 0;
                publishFailures.incrementAndGet();
                attempts++;
                if (attempts > settings.publishRetries()) {
                    dropped(batch.size(), "writing to " + settings.url() + " failed " + attempts + " time(s): "
                            + describe(e));
                    batch.clear();
                    attempts = 0;
                } else {
                    LOG.debugf("Shared KV-block index %s: publishing failed (attempt %d): %s", scope, attempts,
                            describe(e));
                }
                if (!sleep(backoff(attempts + 1))) {
                    break;
                }
            }
        }
        link.reset();
    }

    // ------------------------------------------------------------------------------------------ consumer

    /** The last stream entry applied; written by the consumer thread only (read by {@link #snapshotNow}). */
    private volatile String position;
    /** The server's run_id when last connected: a new one means it restarted and lost the stream. */
    private String knownRunId;
    private long nextSnapshotNanos;

    private void consumeLoop() {
        Link link = new Link("consumer");
        boolean synced = false;
        int failures = 0;
        nextSnapshotNanos = System.nanoTime() + jitteredInterval();
        while (!closed) {
            try {
                RedisConnection c = link.connection();
                if (!synced) {
                    sync(link, c);
                    synced = true;
                }
                consumerConnected = true;
                failures = 0;
                Response r = link.await(c.send(Request.cmd(Command.XREAD).arg("COUNT").arg(READ_COUNT)
                        .arg("BLOCK").arg(READ_BLOCK_MILLIS).arg("STREAMS").arg(streamKey).arg(position)),
                        READ_BLOCK_MILLIS + settings.commandTimeout().toMillis());
                int read = applyEntries(r, mirror, null);
                if (read == READ_COUNT && trimmedPast(link, c)) {
                    // This replica fell more than the stream's length behind.
                    resync(link, c, "fell behind the stream's retention");
                }
                if (System.nanoTime() >= nextSnapshotNanos) {
                    nextSnapshotNanos = System.nanoTime() + jitteredInterval();
                    maybeWriteSnapshot(link, c);
                }
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                if (closed) {
                    break;
                }
                if (consumerConnected || failures == 0) {
                    LOG.warnf("Shared KV-block index %s: lost %s (%s); lookups go on from the local mirror,"
                            + " retrying", scope, settings.url(), describe(e));
                }
                consumerConnected = false;
                synced = false;
                link.reset();
                failures++;
                if (!sleep(backoff(failures))) {
                    break;
                }
            }
        }
        link.reset();
    }

    /**
     * On first connection: start from the snapshot when there is one, else from the stream's beginning. On a
     * reconnection: go on from where we were, unless the stream no longer holds the entries that followed.
     */
    private void sync(Link link, RedisConnection c) throws Exception {
        Response info = link.await(c.send(Request.cmd(Command.INFO).arg("server")),
                settings.commandTimeout().toMillis());
        String runId = runId(info == null ? "" : info.toString());
        boolean restarted = knownRunId != null && !knownRunId.equals(runId);
        knownRunId = runId;
        if (position == null) {
            Response snapshot = link.await(c.send(Request.cmd(Command.GET).arg(snapshotKey)),
                    settings.commandTimeout().toMillis());
            if (snapshot != null) {
                rebuild(link, c, snapshot.toBytes(), "starting");
            } else {
                position = "0-0";
            }
            LOG.infof("Shared KV-block index %s: following %s on %s from %s", scope, streamKey, settings.url(),
                    position);
            return;
        }
        if (restarted) {
            // Every replica lost the same thing; none knows better than its own mirror. A snapshot found now was
            // written after the restart by a replica that reconnected first, and is no fresher than ours.
            resyncs.incrementAndGet();
            keepMirror("Redis restarted and lost the stream", link, c);
        } else if (trimmedPast(link, c)) {
            resync(link, c, "the stream was trimmed or restarted while this replica was disconnected");
        } else {
            LOG.infof("Shared KV-block index %s: reconnected to %s, catching up from %s", scope, settings.url(),
                    position);
        }
    }

    /** Whether entries after our position may have been trimmed away (the oldest kept entry is newer). */
    private boolean trimmedPast(Link link, RedisConnection c) throws Exception {
        Response first = link.await(c.send(Request.cmd(Command.XRANGE).arg(streamKey).arg("-").arg("+")
                .arg("COUNT").arg(1)), settings.commandTimeout().toMillis());
        if (first == null || first.size() == 0) {
            return false;
        }
        // From 0-0 we read whatever is there; otherwise the entry right after our position must still be there.
        return !"0-0".equals(position) && compareIds(first.get(0).get(0).toString(), position) > 0;
    }

    private void resync(Link link, RedisConnection c, String why) throws Exception {
        resyncs.incrementAndGet();
        Response snapshot = link.await(c.send(Request.cmd(Command.GET).arg(snapshotKey)),
                settings.commandTimeout().toMillis());
        if (snapshot != null) {
            rebuild(link, c, snapshot.toBytes(), why);
            return;
        }
        keepMirror(why + " and there is no snapshot", link, c);
    }

    /** Keeps the local mirror, follows the stream from its oldest entry, and offers a snapshot if there is none. */
    private void keepMirror(String why, Link link, RedisConnection c) throws Exception {
        LOG.warnf("Shared KV-block index %s: %s; keeping the local mirror, following the stream from its oldest"
                + " entry and offering this replica's snapshot to late joiners", scope, why);
        position = "0-0";
        writeSnapshot(link, c, true);
    }

    /**
     * Builds a new mirror from a snapshot and the stream entries after it, while the current mirror keeps answering,
     * then swaps it in with the local changes made meanwhile.
     */
    private void rebuild(Link link, RedisConnection c, byte[] bytes, String why) throws Exception {
        InMemoryKvBlockIndex fresh = new InMemoryKvBlockIndex(indexConfig);
        synchronized (writeLock) {
            rebuildLog = new ArrayList<>();
        }
        try {
            IndexOpCodec.Snapshot snapshot;
            try {
                snapshot = IndexOpCodec.decodeSnapshot(bytes);
            } catch (IndexOpDecodeException e) {
                decodeErrors.incrementAndGet();
                LOG.warnf("Shared KV-block index %s: ignoring a malformed snapshot (%s)", scope, e.getMessage());
                if (position == null) {
                    position = "0-0";
                }
                return;
            }
            for (IndexOp op : snapshot.ops()) {
                applyRemote(op, fresh);
            }
            // Catch up, this replica's own entries included: the fresh mirror has not seen them.
            String savedPosition = position;
            position = snapshot.position();
            int read;
            do {
                Response r = link.await(c.send(Request.cmd(Command.XREAD).arg("COUNT").arg(READ_COUNT)
                        .arg("STREAMS").arg(streamKey).arg(position)), settings.commandTimeout().toMillis());
                read = applyEntries(r, fresh, replicaId);
            } while (read == READ_COUNT && !closed);
            synchronized (writeLock) {
                for (IndexOp op : rebuildLog) {
                    applyRemote(op, fresh);
                }
                mirror = fresh;
            }
            LOG.infof("Shared KV-block index %s: %s; loaded the snapshot (%d entries, stream position %s, was %s)"
                    + " and caught up to %s", scope, why, snapshot.ops().size(), snapshot.position(),
                    savedPosition, position);
        } finally {
            synchronized (writeLock) {
                rebuildLog = null;
            }
        }
    }

    /**
     * Applies the entries of an XREAD reply to {@code target}, skipping this replica's own unless
     * {@code includeOrigin} names it, and advances the position. Returns how many entries were read.
     */
    private int applyEntries(Response reply, InMemoryKvBlockIndex target, String includeOrigin) {
        if (reply == null || reply.size() == 0) {
            return 0;
        }
        Response entries = reply.get(0).get(1);
        int n = entries.size();
        for (int i = 0; i < n; i++) {
            Response entry = entries.get(i);
            String id = entry.get(0).toString();
            Response fields = entry.get(1);
            String origin = null;
            byte[] data = null;
            for (int f = 0; f + 1 < fields.size(); f += 2) {
                String name = fields.get(f).toString();
                if (name.equals("o")) {
                    origin = fields.get(f + 1).toString();
                } else if (name.equals("d")) {
                    data = fields.get(f + 1).toBytes();
                }
            }
            position = id;
            if (replicaId.equals(origin) && !replicaId.equals(includeOrigin)) {
                continue;
            }
            if (data == null) {
                decodeErrors.incrementAndGet();
                continue;
            }
            List<IndexOp> ops;
            try {
                ops = IndexOpCodec.decode(data);
            } catch (IndexOpDecodeException e) {
                decodeErrors.incrementAndGet();
                LOG.debugf("Shared KV-block index %s: skipping malformed entry %s: %s", scope, id, e.getMessage());
                continue;
            }
            for (IndexOp op : ops) {
                applyRemote(op, target);
            }
        }
        return n;
    }

    private void applyRemote(IndexOp op, InMemoryKvBlockIndex target) {
        try {
            op.applyTo(target);
            appliedRemoteOps.incrementAndGet();
        } catch (RuntimeException e) {
            // The mirror refuses what would break its bounds (more endpoints than it tracks); so do we.
            rejectedRemoteOps.incrementAndGet();
            LOG.debugf("Shared KV-block index %s: rejected %s: %s", scope, op, e.getMessage());
        }
    }

    /** Writes the snapshot when this replica wins the snapshot lock for this interval. */
    private void maybeWriteSnapshot(Link link, RedisConnection c) throws Exception {
        long intervalMillis = settings.snapshotInterval().toMillis();
        Response won = link.await(c.send(Request.cmd(Command.SET).arg(lockKey).arg(replicaId).arg("NX").arg("PX")
                .arg(Math.max(1, intervalMillis - intervalMillis / 10))), settings.commandTimeout().toMillis());
        if (won == null) {
            return;
        }
        writeSnapshot(link, c, false);
    }

    /** Writes the snapshot; with {@code onlyIfAbsent}, only when there is none. */
    private void writeSnapshot(Link link, RedisConnection c, boolean onlyIfAbsent) throws Exception {
        IndexOpCodec.SnapshotBuilder builder = new IndexOpCodec.SnapshotBuilder();
        // Everything up to our position is in the mirror (and maybe later local changes: replaying those is harmless).
        String at = position == null ? "0-0" : position;
        mirror.export(builder::entry);
        byte[] bytes = builder.build(at);
        if (bytes.length > MAX_SNAPSHOT_BYTES) {
            LOG.warnf("Shared KV-block index %s: the snapshot (%d bytes) exceeds Redis's string limit; not written",
                    scope, bytes.length);
            return;
        }
        Request set = Request.cmd(Command.SET).arg(snapshotKey).arg(Buffer.buffer(bytes)).arg("PX")
                .arg(settings.keyTtl().toMillis());
        Response written = link.await(c.send(onlyIfAbsent ? set.arg("NX") : set),
                settings.commandTimeout().toMillis() + bytes.length / 100_000);
        if (written == null) {
            return;
        }
        snapshotsWritten.incrementAndGet();
        LOG.debugf("Shared KV-block index %s: wrote a snapshot of %d entries (%d bytes) at %s", scope,
                builder.size(), bytes.length, at);
    }

    /** Writes a snapshot now, whoever holds the lock (tests, and a clean shutdown). */
    void snapshotNow() throws Exception {
        Link link = new Link("snapshot");
        try {
            RedisConnection c = link.connection();
            writeSnapshot(link, c, false);
        } finally {
            link.reset();
        }
    }

    private long jitteredInterval() {
        long nanos = settings.snapshotInterval().toNanos();
        // Replicas started together should not all try the lock at the same instant.
        return nanos + (long) (Math.random() * nanos / 10);
    }

    private static String runId(String info) {
        int at = info.indexOf("run_id:");
        if (at < 0) {
            return "";
        }
        int end = info.indexOf('\r', at);
        return info.substring(at + "run_id:".length(), end < 0 ? info.length() : end).trim();
    }

    /** Orders stream ids {@code ms-seq}. */
    static int compareIds(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        long ma = Long.parseLong(da < 0 ? a : a.substring(0, da));
        long mb = Long.parseLong(db < 0 ? b : b.substring(0, db));
        if (ma != mb) {
            return Long.compare(ma, mb);
        }
        long sa = da < 0 ? 0 : Long.parseLong(a.substring(da + 1));
        long sb = db < 0 ? 0 : Long.parseLong(b.substring(db + 1));
        return Long.compare(sa, sb);
    }

    // ------------------------------------------------------------------------------------------ plumbing

    private static long backoff(int attempt) {
        return Math.min(MAX_BACKOFF_MILLIS, MIN_BACKOFF_MILLIS << Math.min(attempt - 1, 10));
    }

    private boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private static String describe(Throwable e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return t instanceof TimeoutException ? "timed out" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * One thread's connection. Each thread has its own client with a pool of one, dropped whole on any failure: a
     * connection whose command timed out may still owe a reply, and must not be reused.
     */
    private final class Link {
        private final String role;
        private Redis client;
        private RedisConnection connection;

        Link(String role) {
            this.role = role;
        }

        RedisConnection connection() throws Exception {
            if (connection == null) {
                RedisOptions options = new RedisOptions().setConnectionString(settings.url()).setMaxPoolSize(1)
                        .setMaxPoolWaiting(16).setMaxWaitingHandlers(1024)
                        // RESP2: stream replies keep one shape whatever the server version.
                        .setPreferredProtocolVersion(ProtocolVersion.RESP2)
                        .setNetClientOptions(new NetClientOptions()
                                .setConnectTimeout((int) settings.connectTimeout().toMillis()).setTcpNoDelay(true));
                client = Redis.createClient(vertx, options);
                connection = await(client.connect(), settings.connectTimeout().toMillis()
                        + settings.commandTimeout().toMillis());
                connection.exceptionHandler(e -> LOG.debugf("Shared KV-block index %s: %s connection error: %s",
                        scope, role, e.getMessage()));
            }
            return connection;
        }

        <T> T await(Future<T> future, long timeoutMillis) throws Exception {
            try {
                return future.toCompletionStage().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }

        void reset() {
            if (connection != null) {
                connection.close();
                connection = null;
            }
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }

    /** Stops sharing: the threads end and the connections close. Lookups keep answering from the mirror. */
    @Override
    public void close() {
        closed = true;
        publisher.interrupt();
        consumer.interrupt();
        try {
            publisher.join(MAX_BACKOFF_MILLIS + 1_000);
            consumer.join(MAX_BACKOFF_MILLIS + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RedisKvBlockIndex{" + scope + ", " + settings.url() + ", " + mirror + ", " + stats() + "}";
    }
}
