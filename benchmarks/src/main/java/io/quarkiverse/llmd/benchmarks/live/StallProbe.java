package io.quarkiverse.llmd.benchmarks.live;

import java.util.Locale;

/**
 * {@code llmd-bench stalls}: how long the machine itself takes a core away. One thread reads the monotonic clock in
 * a tight loop for a while and counts the gaps between consecutive readings: on an idle core they are tens of
 * nanoseconds, so a gap of a millisecond is time the thread did not run (the hypervisor, the kernel, an interrupt).
 * A tail-latency target below such stalls cannot be met by any process on that core, and at high utilisation each
 * stall also delays what arrives while the queue it left drains; run it pinned (for example under
 * {@code taskset -c 0}) before trusting a sub-millisecond p99.
 */
public final class StallProbe {

    static final String USAGE = """
            usage: llmd-bench stalls [--seconds N]

              Spins one thread on the monotonic clock for N seconds (default 10, after 0.5 s not counted) and prints
              how often the thread was held up for at least 10 us, 100 us, 1 ms and 10 ms, the longest hold-up and the
              time lost in hold-ups of 100 us or more. Pin it to the core you measure on
              (taskset -c N bin/llmd-bench stalls).
            """;

    /** Spun and not counted before the measurement. */
    static final long WARM_UP_NS = 500_000_000L;

    /** The gap thresholds counted, in nanoseconds. */
    static final long[] THRESHOLDS_NS = { 10_000, 100_000, 1_000_000, 10_000_000 };

    private StallProbe() {
    }

    public static int main(String[] args) {
        double seconds = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> {
                    try {
                        seconds = Double.parseDouble(i + 1 < args.length ? args[++i] : "");
                    } catch (NumberFormatException e) {
                        seconds = Double.NaN;
                    }
                    if (!(seconds > 0 && seconds <= 3600)) {
                        System.err.println("error: --seconds takes a number of seconds in (0, 3600]\n" + USAGE);
                        return 2;
                    }
                }
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> {
                    System.err.println("error: unknown option '" + args[i] + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        spin(WARM_UP_NS); // the loop's own compilation would count as hold-ups on the pinned core
        System.out.println(spin((long) (seconds * 1e9)).report());
        return 0;
    }

    /** Reads the clock for {@code durationNs} and returns the gaps it saw. */
    static Stalls spin(long durationNs) {
        Stalls stalls = new Stalls();
        long start = System.nanoTime();
        long prev = start;
        long end = start + durationNs;
        while (prev < end) {
            long now = System.nanoTime();
            stalls.gap(now - prev);
            prev = now;
        }
        stalls.elapsedNs = prev - start;
        return stalls;
    }

    /** Counts of gaps at or over each of {@link #THRESHOLDS_NS}, the longest, and the time lost in long ones. */
    static final class Stalls {
        final long[] atLeast = new long[THRESHOLDS_NS.length];
        long longestNs;
        long lostNs;
        long elapsedNs;

        void gap(long ns) {
            if (ns < THRESHOLDS_NS[0]) {
                return;
            }
            for (int k = 0; k < THRESHOLDS_NS.length && ns >= THRESHOLDS_NS[k]; k++) {
                atLeast[k]++;
            }
            if (ns >= THRESHOLDS_NS[1]) {
                lostNs += ns;
            }
            longestNs = Math.max(longestNs, ns);
        }

        String report() {
            double s = elapsedNs / 1e9;
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%.1f s on one thread:%n", s));
            String[] names = { "10 us", "100 us", "1 ms", "10 ms" };
            for (int k = 0; k < names.length; k++) {
                out.append(String.format(Locale.ROOT, "  held up >= %-6s %8d times (%.1f/s)%n", names[k], atLeast[k],
                        atLeast[k] / s));
            }
            out.append(String.format(Locale.ROOT, "  longest hold-up     %.3f ms%n", longestNs / 1e6));
            out.append(String.format(Locale.ROOT, "  lost in hold-ups >= 100 us: %.1f ms (%.3f %% of the time)",
                    lostNs / 1e6, 100.0 * lostNs / Math.max(1, elapsedNs)));
            return out.toString();
        }
    }
}
