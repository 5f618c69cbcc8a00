package io.quarkiverse.llmd.benchmarks.sim;

import java.util.Arrays;

/**
 * A binary min-heap of events on primitive arrays: no object per event. Events are ordered by time, then by
 * insertion order, so simultaneous events run in the order they were scheduled (deterministic).
 * An event is a kind (small int) and an int argument, packed with a sequence number into one long.
 */
final class EventQueue {

    private double[] time = new double[256];
    private long[] seq = new long[256];
    private int[] payload = new int[256];
    private int size;
    private long nextSeq;

    static int pack(int kind, int arg) {
        return (arg << 3) | kind;
    }

    static int kind(int payload) {
        return payload & 7;
    }

    static int arg(int payload) {
        return payload >>> 3;
    }

    void add(double t, int kind, int arg) {
        if (size == time.length) {
            int n = size * 2;
            time = Arrays.copyOf(time, n);
            seq = Arrays.copyOf(seq, n);
            payload = Arrays.copyOf(payload, n);
        }
        int i = size++;
        long s = nextSeq++;
        int p = pack(kind, arg);
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (less(t, s, parent)) {
                move(parent, i);
                i = parent;
            } else {
                break;
            }
        }
        time[i] = t;
        seq[i] = s;
        payload[i] = p;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    double peekTime() {
        return time[0];
    }

    /** Removes the first event and returns its payload; read its time with {@link #peekTime()} before. */
    int poll() {
        int result = payload[0];
        int last = --size;
        if (last > 0) {
            double t = time[last];
            long s = seq[last];
            int p = payload[last];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= last) {
                    break;
                }
                if (c + 1 < last && less(time[c + 1], seq[c + 1], c)) {
                    c++;
                }
                if (less(time[c], seq[c], t, s)) {
                    move(c, i);
                    i = c;
                } else {
                    break;
                }
            }
            time[i] = t;
            seq[i] = s;
            payload[i] = p;
        }
        return result;
    }

    private boolean less(double t, long s, int j) {
        return less(t, s, time[j], seq[j]);
    }

    private static boolean less(double t1, long s1, double t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void move(int from, int to) {
        time[to] = time[from];
        seq[to] = seq[from];
        payload[to] = payload[from];
    }
}
