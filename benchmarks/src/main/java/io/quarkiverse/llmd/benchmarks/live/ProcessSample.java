package io.quarkiverse.llmd.benchmarks.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One look at a local JVM process, for the soak: heap in use right after a full GC, live threads, open file
 * descriptors and resident memory. Linux only ({@code /proc}); the heap comes from the JDK's {@code jcmd}
 * ({@code GC.run}, then {@code GC.heap_info}), which forces a full collection in the target each time.
 *
 * @param seconds since the soak started
 * @param heapAfterGcKb live heap after the forced full GC, KiB (see {@link #heapUsedKb}); -1 when jcmd could not
 *        tell
 * @param threads live threads of the process (its {@code /proc} tasks: JVM and application threads)
 * @param fds open file descriptors (sockets included)
 * @param rssKb resident set size, KiB
 */
public record ProcessSample(double seconds, long heapAfterGcKb, int threads, int fds, long rssKb) {

    /** A generation or heap line of {@code GC.heap_info}: "def new generation   total 9792K, used 3122K [...]". */
    private static final Pattern USED = Pattern.compile("^ ?\\S.*?\\s+total (\\d+)K, used (\\d+)K", Pattern.MULTILINE);
    private static final Pattern STATUS = Pattern.compile("^(Threads|VmRSS):\\s+(\\d+)", Pattern.MULTILINE);

    /** Samples process {@code pid} now. */
    static ProcessSample take(long pid, double seconds) throws IOException {
        long heap = -1;
        if (jcmd(pid, "GC.run") != null) {
            String info = jcmd(pid, "GC.heap_info");
            heap = info == null ? -1 : heapUsedKb(info);
        }
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        int threads = 0;
        long rss = 0;
        Matcher m = STATUS.matcher(status);
        while (m.find()) {
            if (m.group(1).equals("Threads")) {
                threads = Integer.parseInt(m.group(2));
            } else {
                rss = Long.parseLong(m.group(2));
            }
        }
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = (int) s.count();
        }
        return new ProcessSample(seconds, heap, threads, fds, rss);
    }

    /**
     * The live heap (KiB) from {@code jcmd GC.heap_info} taken after a full GC: with a generational collector that
     * has an old-generation line (Serial's {@code tenured generation}, Parallel's {@code ParOldGen}) that line alone,
     * because the full GC moved everything live there and the young generation only holds what the running
     * application allocated since; otherwise the single heap line (G1, ZGC), which then includes that allocation.
     * The indented space and region lines are parts of those and are not counted.
     *
     * @return -1 when the text has no such line
     */
    static long heapUsedKb(String heapInfo) {
        Matcher m = USED.matcher(heapInfo);
        long used = 0;
        boolean any = false;
        while (m.find()) {
            String name = m.group().trim();
            if (name.startsWith("tenured generation") || name.startsWith("ParOldGen")
                    || name.startsWith("PSOldGen")) {
                return Long.parseLong(m.group(2));
            }
            used += Long.parseLong(m.group(2));
            any = true;
        }
        return any ? used : -1;
    }

    private static String jcmd(long pid, String command) {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
