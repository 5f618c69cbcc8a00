package io.quarkiverse.llmd.engine.kvcache;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Applies decoded KV events of one endpoint to a {@link KvBlockIndex} (reference kvcache-and-sim.md A3.4):
 * <ul>
 * <li><b>BlockStored</b>: the request keys are computed from the event's tokens with our block size and hash
 * settings, continuing from the request key of {@code parent_block_hash} (or from the model's root when there is
 * none), and recorded with the event's engine keys on the event's tier. The model is the LoRA name when there is
 * one, else the topic's model. An event whose parent is unknown is dropped (the chain is broken, as in llm-d); so
 * is an event that is not dense ({@code tokens != hashes x block_size}). An event without tokens is a location
 * update (a block copied to another tier): its engine keys are resolved to known request keys. Events of a
 * KV-cache group whose attention kind is not full attention (sliding window, mamba, ...) are skipped, because
 * their blocks do not cache a prefix.</li>
 * <li><b>BlockRemoved</b>: each engine key is evicted for the endpoint on the event's tier.</li>
 * <li><b>AllBlocksCleared</b>: the endpoint's entries go, on every tier.</li>
 * </ul>
 * Two deliberate departures from llm-d: a group index without an attention kind (vLLM builds between the two
 * fields) is accepted as full attention instead of dropped, and an extra key equal to the LoRA name is not folded
 * into the block key, because the scoring side never adds it (llm-d's two paths disagree there).
 * <p>
 * Not thread-safe: use one per ingestion thread. Ordering per endpoint is the caller's job.
 */
public final class KvEventIngestor {

    /** Attention kinds whose blocks hold a reusable prefix (llm-d's digestible kinds). */
    public static final Set<String> PREFIX_KINDS = Set.of("full_attention", "mla_attention", "sink_full_attention");

    private final KvBlockIndex index;
    private final BlockKeyHasher hasher;
    private long[] keyBuffer = new long[64];

    private long blocksStored;
    private long blocksRemoved;
    private long clears;
    private long droppedBrokenChain;
    private long droppedNotDense;
    private long skippedGroupKind;

    public KvEventIngestor(KvBlockIndex index, BlockKeyHasher hasher) {
        this.index = index;
        this.hasher = hasher;
    }

    public KvBlockIndex index() {
        return index;
    }

    /** Decodes a message and applies it for the pod its topic names. */
    public void apply(KvEventMessage message) {
        apply(message.topic().podId(), message.topic().model(), message.decode());
    }

    /** Applies a batch published by {@code endpoint} for {@code model} (the topic's model; may be empty). */
    public void apply(String endpoint, String model, KvEventBatch batch) {
        for (KvEvent event : batch.events()) {
            apply(endpoint, model, event);
        }
    }

    /** Applies one event. */
    public void apply(String endpoint, String model, KvEvent event) {
        if (event instanceof KvEvent.BlockStored stored) {
            stored(endpoint, model, stored);
        } else if (event instanceof KvEvent.BlockRemoved removed) {
            String tier = removed.tier();
            for (long engineKey : removed.blockHashes()) {
                index.evict(engineKey, endpoint, tier);
            }
            blocksRemoved += removed.blockHashes().length;
        } else {
            index.clear(endpoint);
            clears++;
        }
    }

    private void stored(String endpoint, String model, KvEvent.BlockStored e) {
        if (e.groupIdx() != null && e.kvCacheSpecKind() != null && !e.kvCacheSpecKind().isEmpty()
                && !PREFIX_KINDS.contains(e.kvCacheSpecKind())) {
            skippedGroupKind++;
            return;
        }
        long[] engineKeys = e.blockHashes();
        int[] tokens = e.tokenIds();
        String tier = e.tier();
        if (tokens.length == 0) {
            locationUpdate(endpoint, engineKeys, tier);
            return;
        }
        if (e.blockSize() <= 0 || (long) engineKeys.length * e.blockSize() != tokens.length) {
            droppedNotDense++;
            return;
        }
        long parent;
        if (e.hasParent() && e.parentBlockHash() != KvBlockIndex.NO_KEY) {
            parent = index.requestKey(e.parentBlockHash());
            if (parent == KvBlockIndex.NO_KEY) {
                droppedBrokenChain++;
                return;
            }
        } else {
            String name = e.loraName() != null && !e.loraName().isEmpty() ? e.loraName() : model;
            parent = hasher.rootKey(name);
        }
        int blocks = hasher.blockCount(tokens.length);
        if (blocks == 0) {
            return;
        }
        long[] keys = buffer(blocks);
        hasher.chainKeys(parent, tokens, tokens.length, extras(e, blocks), keys);
        index.add(engineKeys, engineKeys.length, keys, blocks, endpoint, tier);
        blocksStored += blocks;
    }

    private void locationUpdate(String endpoint, long[] engineKeys, String tier) {
        long[] keys = buffer(engineKeys.length);
        int n = 0;
        for (long engineKey : engineKeys) {
            long key = index.requestKey(engineKey);
            if (key != KvBlockIndex.NO_KEY) {
                keys[n++] = key;
            }
        }
        index.add(engineKeys, 0, keys, n, endpoint, tier);
        blocksStored += n;
    }

    /**
     * The extra features of each of our blocks: the engine blocks' extra keys, minus the LoRA name, realigned to
     * our block size (an engine block's keys go to every one of our blocks it overlaps). Null when there are none.
     */
    private List<List<String>> extras(KvEvent.BlockStored e, int blocks) {
        List<List<String>> raw = e.extraKeys();
        if (raw == null) {
            return null;
        }
        boolean any = false;
        for (List<String> keys : raw) {
            if (keys != null && !keys.isEmpty() && !(keys.size() == 1 && keys.get(0).equals(e.loraName()))) {
                any = true;
                break;
            }
        }
        if (!any) {
            return null;
        }
        int engineBlockSize = e.blockSize();
        int ours = hasher.blockSize();
        List<List<String>> aligned = new ArrayList<>(blocks);
        for (int i = 0; i < blocks; i++) {
            int first = (int) ((long) i * ours / engineBlockSize);
            int last = (int) (((long) (i + 1) * ours - 1) / engineBlockSize);
            List<String> features = null;
            for (int b = first; b <= last && b < raw.size(); b++) {
                List<String> keys = raw.get(b);
                if (keys == null) {
                    continue;
                }
                for (String key : keys) {
                    if (!key.equals(e.loraName())) {
                        if (features == null) {
                            features = new ArrayList<>(2);
                        }
                        features.add(key);
                    }
                }
            }
            aligned.add(features);
        }
        return aligned;
    }

    private long[] buffer(int n) {
        if (keyBuffer.length < n) {
            keyBuffer = new long[Math.max(n, keyBuffer.length * 2)];
        }
        return keyBuffer;
    }

    /** Our blocks recorded from BlockStored events. */
    public long blocksStored() {
        return blocksStored;
    }

    /** Engine keys evicted by BlockRemoved events. */
    public long blocksRemoved() {
        return blocksRemoved;
    }

    /** AllBlocksCleared events applied. */
    public long clears() {
        return clears;
    }

    /** BlockStored events dropped because their parent engine key was unknown. */
    public long droppedBrokenChain() {
        return droppedBrokenChain;
    }

    /** BlockStored events dropped because their token count did not match their blocks. */
    public long droppedNotDense() {
        return droppedNotDense;
    }

    /** BlockStored events skipped because their cache group does not hold prefixes. */
    public long skippedGroupKind() {
        return skippedGroupKind;
    }
}
