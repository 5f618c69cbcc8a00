package io.quarkiverse.llmd.simulator.engine;

import io.quarkiverse.llmd.simulator.kvcache.BlockHasher;

/**
 * One request inside the engine. The tokens it will generate are decided when it is created (deterministic pseudo
 * text), so the engine only has to decide <em>when</em> each of them is produced. Fields below "engine state" are
 * owned by the thread that drives the {@link EngineCore}; other threads read only the immutable part and the values
 * the driver hands them.
 */
public final class SimRequest implements BlockHasher.TokenSource {

    /** Where the request is in its life. */
    public enum State {
        WAITING, RUNNING, FINISHED
    }

    private final String id;
    private final int[] prompt;
    private final int[] output;
    private final String finishReason;
    private final String loraName;
    private final String cacheSalt;
    private final boolean remotePrefill;
    private volatile Object attachment;

    // engine state
    State state = State.WAITING;
    int numComputed;
    int numOutput;
    int cachedTokens = -1;
    int scheduledTokens;
    boolean scheduledAsDecode;
    int[] blocks = new int[4];
    int numBlocks;
    long[] hashes;
    int numHashes;
    int numCachedBlocks;
    long extraKey;
    long root;
    boolean hashInit;
    int[] finalBlockIds;
    int preemptions;
    String endReason;

    /**
     * @param id request id
     * @param prompt prompt token ids (at least one)
     * @param output the tokens to generate, in order (at least one)
     * @param finishReason reported when all of {@code output} is generated: {@code length} or {@code stop}
     * @param loraName LoRA adapter, or null for the base model
     * @param cacheSalt vLLM {@code cache_salt}, or null
     * @param remotePrefill P/D decode side: the prompt's KV arrives by transfer, so its prefill is skipped
     */
    public SimRequest(String id, int[] prompt, int[] output, String finishReason, String loraName, String cacheSalt,
            boolean remotePrefill) {
        if (prompt.length == 0 || output.length == 0) {
            throw new IllegalArgumentException("prompt and output must not be empty");
        }
        this.id = id;
        this.prompt = prompt;
        this.output = output;
        this.finishReason = finishReason;
        this.loraName = loraName;
        this.cacheSalt = cacheSalt;
        this.remotePrefill = remotePrefill;
    }

    @Override
    public int tokenAt(int position) {
        return position < prompt.length ? prompt[position] : output[position - prompt.length];
    }

    /** Prompt plus the output tokens generated so far. */
    int numTokens() {
        return prompt.length + numOutput;
    }

    public String id() {
        return id;
    }

    public int promptTokens() {
        return prompt.length;
    }

    public int[] prompt() {
        return prompt;
    }

    public int[] output() {
        return output;
    }

    public int maxOutputTokens() {
        return output.length;
    }

    public String loraName() {
        return loraName;
    }

    public String cacheSalt() {
        return cacheSalt;
    }

    public boolean remotePrefill() {
        return remotePrefill;
    }

    /** Output tokens generated so far (engine thread). */
    public int numOutput() {
        return numOutput;
    }

    /** Prompt tokens served from the prefix cache when first scheduled; 0 before that. */
    public int cachedTokens() {
        return Math.max(0, cachedTokens);
    }

    public State state() {
        return state;
    }

    /** Finish reason once finished: {@code stop}, {@code length}, {@code abort} or {@code error}. */
    public String endReason() {
        return endReason;
    }

    String plannedFinishReason() {
        return finishReason;
    }

    /** Block ids the request held when it finished (the P/D prefill side reports them). */
    public int[] finalBlockIds() {
        return finalBlockIds == null ? new int[0] : finalBlockIds;
    }

    public int preemptions() {
        return preemptions;
    }

    /** Anything the driver or the HTTP layer wants to carry along (its response handler). */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object value) {
        this.attachment = value;
    }

    @Override
    public String toString() {
        return "SimRequest[" + id + ", prompt=" + prompt.length + ", out=" + numOutput + "/" + output.length + ", "
                + state + "]";
    }
}
