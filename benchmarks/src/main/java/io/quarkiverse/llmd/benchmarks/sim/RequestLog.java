package io.quarkiverse.llmd.benchmarks.sim;

import java.util.Arrays;

/**
 * Per-request outcomes of a run, in arrival order, on primitive arrays (a million requests cost tens of MB, not
 * hundreds). Times are virtual seconds from the start of the run; {@code NaN} when the event never happened.
 */
public final class RequestLog implements RequestRecords {

    public static final byte PENDING = 0;
    public static final byte OK = 1;
    /** No endpoint (scheduler returned no target). */
    public static final byte REJECTED = 2;
    /** The engine failed the request (prompt cannot fit in the KV cache). */
    public static final byte ERROR = 3;
    /** The client's request_timeout expired first; the request was aborted. */
    public static final byte TIMEOUT = 4;

    private int size;
    double[] arrival;
    /** When the client sent the request: the arrival, or later when its concurrency limit held it back. */
    double[] sent;
    double[] firstToken;
    double[] finish;
    int[] stage;
    int[] pod;
    int[] group;
    int[] promptTokens;
    int[] cachedTokens;
    int[] outputTokens;
    byte[] status;

    RequestLog(int capacity) {
        int c = Math.max(16, capacity);
        arrival = new double[c];
        sent = new double[c];
        firstToken = new double[c];
        finish = new double[c];
        stage = new int[c];
        pod = new int[c];
        group = new int[c];
        promptTokens = new int[c];
        cachedTokens = new int[c];
        outputTokens = new int[c];
        status = new byte[c];
    }

    int add(double at, int stageIndex, int groupIndex, int prompt, int output) {
        if (size == arrival.length) {
            int c = size * 2;
            arrival = Arrays.copyOf(arrival, c);
            sent = Arrays.copyOf(sent, c);
            firstToken = Arrays.copyOf(firstToken, c);
            finish = Arrays.copyOf(finish, c);
            stage = Arrays.copyOf(stage, c);
            pod = Arrays.copyOf(pod, c);
            group = Arrays.copyOf(group, c);
            promptTokens = Arrays.copyOf(promptTokens, c);
            cachedTokens = Arrays.copyOf(cachedTokens, c);
            outputTokens = Arrays.copyOf(outputTokens, c);
            status = Arrays.copyOf(status, c);
        }
        int i = size++;
        arrival[i] = at;
        sent[i] = at;
        firstToken[i] = Double.NaN;
        finish[i] = Double.NaN;
        stage[i] = stageIndex;
        pod[i] = -1;
        group[i] = groupIndex;
        promptTokens[i] = prompt;
        cachedTokens[i] = 0;
        outputTokens[i] = output;
        status[i] = PENDING;
        return i;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public double arrival(int i) {
        return arrival[i];
    }

    @Override
    public double sent(int i) {
        return sent[i];
    }

    @Override
    public double firstToken(int i) {
        return firstToken[i];
    }

    @Override
    public double finish(int i) {
        return finish[i];
    }

    @Override
    public int stage(int i) {
        return stage[i];
    }

    public int pod(int i) {
        return pod[i];
    }

    public int group(int i) {
        return group[i];
    }

    @Override
    public int promptTokens(int i) {
        return promptTokens[i];
    }

    @Override
    public int cachedTokens(int i) {
        return cachedTokens[i];
    }

    @Override
    public int outputTokens(int i) {
        return outputTokens[i];
    }

    @Override
    public byte status(int i) {
        return status[i];
    }

    public static String statusName(byte s) {
        return switch (s) {
            case OK -> "ok";
            case REJECTED -> "rejected";
            case ERROR -> "error";
            case TIMEOUT -> "timeout";
            default -> "pending";
        };
    }
}
