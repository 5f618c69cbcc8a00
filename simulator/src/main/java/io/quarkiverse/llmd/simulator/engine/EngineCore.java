package io.quarkiverse.llmd.simulator.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.kvcache.BlockHasher;
import io.quarkiverse.llmd.simulator.kvcache.KvBlockPool;
import io.quarkiverse.llmd.simulator.kvevents.KvEvent;

/**
 * The continuous-batching engine model of one simulated vLLM pod, written as pure logic with no clock and no
 * threads: {@link #submit} adds a request, {@link #step} runs one scheduler iteration and returns how long it takes
 * and what it produced. A real-time driver sleeps that duration; a discrete-event simulator advances virtual time.
 *
 * <p>Each step follows vLLM v1's scheduler: running requests first (decodes and unfinished prefill chunks), then
 * waiting requests in FIFO order while {@code max_num_seqs} and the {@code max_num_batched_tokens} budget allow.
 * A waiting request first takes its cached prefix blocks (chain-hash lookup, at most {@code prompt-1} tokens rounded
 * down to a block), so cached tokens cost nothing. When a running request needs a block and none is free, the most
 * recently admitted running request is preempted: its blocks are freed and it is recomputed later.
 *
 * <p>Not thread-safe: one thread owns an engine.
 */
public final class EngineCore {

    private static final String GPU = "GPU";

    private final EngineConfig config;
    private final HardwareProfile hw;
    private final int blockSize;
    private final KvBlockPool pool;
    private final BlockHasher hasher;
    private final ArrayDeque<SimRequest> waiting = new ArrayDeque<>();
    private final ArrayList<SimRequest> running = new ArrayList<>();
    private final ArrayList<SimRequest> scheduled = new ArrayList<>();
    private long totalPreemptions;
    private int loraRequests;

    public EngineCore(EngineConfig config) {
        this.config = config;
        this.hw = config.hardware();
        this.blockSize = hw.blockSize();
        this.pool = new KvBlockPool(hw.kvBlocks());
        this.hasher = new BlockHasher(config.model());
    }

    public EngineConfig config() {
        return config;
    }

    /** Queues a request; it is scheduled by a later {@link #step}. */
    public void submit(SimRequest r) {
        r.state = SimRequest.State.WAITING;
        waiting.addLast(r);
        if (r.loraName() != null) {
            loraRequests++;
        }
    }

    /** Removes a request (client went away); returns false if it had already finished. */
    public boolean abort(SimRequest r) {
        if (r.state == SimRequest.State.WAITING) {
            if (!waiting.remove(r)) {
                return false; // never submitted to this engine
            }
        } else if (r.state == SimRequest.State.RUNNING) {
            running.remove(r);
            freeBlocks(r);
        } else {
            return false;
        }
        end(r, "abort");
        return true;
    }

    public int numWaiting() {
        return waiting.size();
    }

    public int numRunning() {
        return running.size();
    }

    public boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    /** Fraction of KV blocks referenced by requests (free-but-cached blocks count as free, as in vLLM). */
    public double kvCacheUsage() {
        return (double) pool.numUsed() / pool.numBlocks();
    }

    public KvBlockPool blockPool() {
        return pool;
    }

    public long totalPreemptions() {
        return totalPreemptions;
    }

    /** Distinct LoRA adapters of running (or waiting) requests, in first-seen order. */
    public Set<String> loraAdapters(boolean ofRunning) {
        if (loraRequests == 0) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (SimRequest r : ofRunning ? running : waiting) {
            if (r.loraName() != null) {
                out.add(r.loraName());
            }
        }
        return out;
    }

    /** Runs one scheduler iteration. */
    public StepResult step() {
        if (!hasWork()) {
            return StepResult.IDLE;
        }
        scheduled.clear();
        List<SimRequest> finished = new ArrayList<>(2);
        int budget = config.maxNumBatchedTokens();
        int preempted = 0;
        for (int i = 0; i < running.size() && budget > 0; i++) {
            SimRequest r = running.get(i);
            int n = Math.min(r.numTokens() - r.numComputed, budget);
            boolean ok = true;
            while (!allocateUpTo(r, r.numComputed + n)) {
                SimRequest victim = running.remove(running.size() - 1);
                preempt(victim);
                preempted++;
                if (victim == r) {
                    ok = false;
                    break;
                }
            }
            if (!ok) {
                break;
            }
            schedule(r, n);
            budget -= n;
        }
        long queried = 0;
        long hit = 0;
        // like vLLM, admit nothing new in a step that had to preempt
        while (preempted == 0 && budget > 0 && running.size() < config.maxNumSeqs() && !waiting.isEmpty()) {
            SimRequest r = waiting.peekFirst();
            int hits = takeCachedPrefix(r);
            if (r.remotePrefill() && r.cachedTokens < 0) {
                r.numComputed = Math.max(r.numComputed, r.promptTokens() - 1); // the KV arrived by transfer
            }
            int n = Math.min(r.numTokens() - r.numComputed, budget);
            if (!allocateUpTo(r, r.numComputed + n)) {
                freeBlocks(r);
                r.numComputed = 0;
                r.numCachedBlocks = 0;
                if (running.isEmpty()) { // cannot fit even in an empty cache: fail it rather than stall forever
                    waiting.pollFirst();
                    end(r, "error");
                    finished.add(r);
                    continue;
                }
                break;
            }
            waiting.pollFirst();
            running.add(r);
            r.state = SimRequest.State.RUNNING;
            queried += r.numTokens();
            hit += hits;
            if (r.cachedTokens < 0) {
                r.cachedTokens = hits;
            }
            schedule(r, n);
            budget -= n;
        }
        return finishStep(finished, preempted, queried, hit);
    }

    private StepResult finishStep(List<SimRequest> finished, int preempted, long queried, long hit) {
        List<KvEvent> events = config.emitKvEvents() ? new ArrayList<>() : List.of();
        if (config.emitKvEvents()) {
            if (pool.numEvicted() > 0) {
                for (long h : pool.evicted()) {
                    events.add(new KvEvent.BlockRemoved(new long[] { h }, GPU));
                }
            }
        }
        pool.clearEvicted();
        int prefillTokens = 0;
        int decodeSeqs = 0;
        long context = 0;
        List<SimRequest> progressed = new ArrayList<>(scheduled.size());
        boolean anyFinished = false;
        for (int i = 0, size = scheduled.size(); i < size; i++) {
            SimRequest r = scheduled.get(i);
            if (r.scheduledAsDecode) {
                decodeSeqs++;
                context += r.numComputed + 1;
            } else {
                prefillTokens += r.scheduledTokens;
            }
            r.numComputed += r.scheduledTokens;
            cacheFullBlocks(r, events);
            if (r.numComputed == r.numTokens()) {
                r.numOutput++;
                progressed.add(r);
                if (r.numOutput == r.maxOutputTokens()) {
                    freeBlocks(r);
                    end(r, r.plannedFinishReason());
                    finished.add(r);
                    anyFinished = true;
                }
            }
        }
        if (anyFinished) {
            running.removeIf(r -> r.state == SimRequest.State.FINISHED);
        }
        if (scheduled.isEmpty() && finished.isEmpty()) {
            return StepResult.IDLE;
        }
        double duration = scheduled.isEmpty() ? 0 : hw.stepSeconds(prefillTokens, decodeSeqs, context);
        return new StepResult(duration, prefillTokens, decodeSeqs, context, progressed, finished, events, preempted,
                queried, hit);
    }

    private void schedule(SimRequest r, int n) {
        r.scheduledTokens = n;
        r.scheduledAsDecode = r.numOutput > 0 && r.numTokens() - r.numComputed == 1;
        scheduled.add(r);
    }

    private void end(SimRequest r, String reason) {
        r.state = SimRequest.State.FINISHED;
        r.endReason = reason;
        if (r.loraName() != null) {
            loraRequests--;
        }
    }

    private void preempt(SimRequest r) {
        freeBlocks(r);
        r.numComputed = 0;
        r.numCachedBlocks = 0;
        r.state = SimRequest.State.WAITING;
        r.preemptions++;
        totalPreemptions++;
        waiting.addFirst(r);
    }

    /** Takes references on the cached prefix blocks of a waiting request; returns the cached token count. */
    private int takeCachedPrefix(SimRequest r) {
        initHashes(r);
        if (!config.enablePrefixCaching()) {
            return 0;
        }
        int maxBlocks = (r.numTokens() - 1) / blockSize; // vLLM always recomputes at least the last token
        int hits = 0;
        while (hits < maxBlocks) {
            int b = pool.lookup(hashAt(r, hits));
            if (b < 0) {
                break;
            }
            pool.acquire(b);
            addBlock(r, b);
            hits++;
        }
        r.numCachedBlocks = hits;
        r.numComputed = hits * blockSize;
        return r.numComputed;
    }

    private void initHashes(SimRequest r) {
        if (!r.hashInit) {
            r.extraKey = BlockHasher.extraKey(r.loraName());
            r.root = hasher.root(r.extraKey, r.cacheSalt());
            r.hashes = new long[(r.promptTokens() + r.maxOutputTokens()) / blockSize + 1];
            r.hashInit = true;
        }
    }

    /** Hash of block k; blocks are hashed in order, so k is at most one past the last known hash. */
    private long hashAt(SimRequest r, int k) {
        if (k < r.numHashes) {
            return r.hashes[k];
        }
        long parent = k == 0 ? r.root : r.hashes[k - 1];
        long h = BlockHasher.hashBlock(parent, r.extraKey, r, k * blockSize, blockSize);
        r.hashes[k] = h;
        r.numHashes = k + 1;
        return h;
    }

    private boolean allocateUpTo(SimRequest r, int tokens) {
        int need = (tokens + blockSize - 1) / blockSize - r.numBlocks;
        if (need <= 0) {
            return true;
        }
        if (need > pool.numFree()) {
            return false;
        }
        for (int i = 0; i < need; i++) {
            addBlock(r, pool.allocate());
        }
        return true;
    }

    private void addBlock(SimRequest r, int b) {
        if (r.numBlocks == r.blocks.length) {
            r.blocks = Arrays.copyOf(r.blocks, r.blocks.length * 2);
        }
        r.blocks[r.numBlocks++] = b;
    }

    private void freeBlocks(SimRequest r) {
        if (r.numBlocks == 0) {
            return;
        }
        r.finalBlockIds = Arrays.copyOf(r.blocks, r.numBlocks);
        // release tail first so that, among equally old blocks, a sequence's last blocks are evicted first
        for (int i = r.numBlocks - 1; i >= 0; i--) {
            pool.release(r.blocks[i]);
        }
        r.numBlocks = 0;
    }

    /** Registers newly completed full blocks in the prefix cache and describes them as BlockStored events. */
    private void cacheFullBlocks(SimRequest r, List<KvEvent> events) {
        int full = Math.min(r.numComputed / blockSize, r.numBlocks);
        if (!config.enablePrefixCaching() || full <= r.numCachedBlocks) {
            return;
        }
        int runStart = -1;
        for (int k = r.numCachedBlocks; k < full; k++) {
            boolean stored = pool.cache(r.blocks[k], hashAt(r, k));
            if (stored && runStart < 0) {
                runStart = k;
            } else if (!stored && runStart >= 0) {
                addStored(r, runStart, k, events);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            addStored(r, runStart, full, events);
        }
        r.numCachedBlocks = full;
    }

    private void addStored(SimRequest r, int from, int to, List<KvEvent> events) {
        if (!config.emitKvEvents()) {
            return;
        }
        int[] tokens = new int[(to - from) * blockSize];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.tokenAt(from * blockSize + i);
        }
        Long parent = from == 0 ? null : r.hashes[from - 1];
        events.add(new KvEvent.BlockStored(Arrays.copyOfRange(r.hashes, from, to), parent, tokens, blockSize, null,
                GPU, r.loraName()));
    }
}
