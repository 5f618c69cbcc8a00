package io.quarkiverse.llmd.benchmarks.live;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

import io.quarkiverse.llmd.benchmarks.workload.WorkloadException;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadParser;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * {@code llmd-bench soak}: a {@code live} run held for a set duration while the gateway process is sampled every few
 * seconds (heap after a forced full GC, live threads, open file descriptors, RSS), to show that none of them grows.
 */
public final class SoakCommand {

    public static final String USAGE = """
            usage: llmd-bench soak --pid PID --duration S [--sample-every S] --out DIR  LIVE OPTIONS...

              Runs `llmd-bench live` with the given options (--workload, --target, --mode, ...; see live --help),
              its stages stretched to last --duration seconds in total, and samples the gateway process PID (a JVM on
              this machine) every --sample-every seconds (default 30): the live heap after a forced full GC
              (jcmd GC.run + GC.heap_info: the old generation with Serial or Parallel GC, the whole heap with G1;
              each sample is a full collection in the gateway), live threads and
              VmRSS from /proc/PID/status, open file descriptors from /proc/PID/fd. Linux, and jcmd on the PATH.
              Writes DIR/soak.csv and DIR/soak.md (the table and the trend of each column), and the live run's
              outputs under DIR/live. The trend compares the mean of the last quarter of the samples with the mean
              of the second quarter (the first quarter is warm-up) and fits a line through the second half.
            """;

    private SoakCommand() {
    }

    public static int main(String[] args) {
        Long pid = null;
        Double duration = null;
        double every = 30;
        Path out = null;
        List<String> live = new ArrayList<>();
        Path workload = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--pid" -> pid = Long.parseLong(value(args, ++i, a));
                    case "--duration" -> duration = Double.parseDouble(value(args, ++i, a));
                    case "--sample-every" -> every = Double.parseDouble(value(args, ++i, a));
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--duration-scale", "--group" -> throw new IllegalArgumentException(a
                            + " is set by soak itself");
                    case "-h", "--help" -> {
                        System.out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        live.add(a);
                        if (a.equals("--workload") && i + 1 < args.length) {
                            workload = Path.of(args[i + 1]);
                        }
                    }
                }
            }
            if (pid == null || duration == null || out == null || workload == null) {
                throw new IllegalArgumentException("--pid, --duration, --out and --workload are required");
            }
            if (!(duration > 0) || !(every > 0)) {
                throw new IllegalArgumentException("--duration and --sample-every must be > 0");
            }
            if (!Files.isDirectory(Path.of("/proc", Long.toString(pid)))) {
                throw new IllegalArgumentException("no process " + pid + " on this machine");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        double total;
        try {
            total = WorkloadParser.parse(workload).load().stages().stream().mapToDouble(WorkloadSpec.Stage::duration)
                    .sum();
        } catch (WorkloadException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        live.add("--duration-scale");
        live.add(Double.toString(duration / total));
        live.add("--out");
        live.add(out.resolve("live").toString());

        List<ProcessSample> samples = new CopyOnWriteArrayList<>();
        long target = pid;
        double period = every;
        long t0 = System.nanoTime();
        Thread sampler = new Thread(() -> {
            long next = t0;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    samples.add(ProcessSample.take(target, (System.nanoTime() - t0) / 1e9));
                    System.out.println("soak: " + row(samples.get(samples.size() - 1)));
                } catch (IOException e) {
                    System.err.println("soak: cannot sample process " + target + ": " + e.getMessage());
                    return;
                }
                next += (long) (period * 1e9);
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "soak-sampler");
        sampler.setDaemon(true);
        sampler.start();
        int rc = LiveCommand.main(live.toArray(String[]::new));
        sampler.interrupt();
        try {
            sampler.join(120_000);
            samples.add(ProcessSample.take(target, (System.nanoTime() - t0) / 1e9));
        } catch (IOException e) {
            System.err.println("soak: last sample failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        write(out, samples, String.join(" ", args));
        return rc;
    }

    private static String row(ProcessSample s) {
        return String.format(Locale.ROOT, "| %.0f | %.1f | %d | %d | %.1f |", s.seconds(),
                s.heapAfterGcKb() / 1024.0, s.threads(), s.fds(), s.rssKb() / 1024.0);
    }

    private static void write(Path out, List<ProcessSample> samples, String command) {
        StringBuilder csv = new StringBuilder("seconds,heap_after_gc_kb,threads,fds,rss_kb\n");
        StringBuilder md = new StringBuilder("`llmd-bench soak " + command + "`\n\n"
                + "| s | heap after GC (MB) | threads | fds | RSS (MB) |\n|---:|---:|---:|---:|---:|\n");
        for (ProcessSample s : samples) {
            csv.append(String.format(Locale.ROOT, "%.1f,%d,%d,%d,%d%n", s.seconds(), s.heapAfterGcKb(), s.threads(),
                    s.fds(), s.rssKb()));
            md.append(row(s)).append('\n');
        }
        md.append("\n| trend | 2nd quarter mean | last quarter mean | slope over 2nd half (per min) |\n"
                + "|---|---:|---:|---:|\n");
        md.append(trendRow("heap after GC (MB)", Trend.of(samples, s -> s.heapAfterGcKb() / 1024.0)));
        md.append(trendRow("threads", Trend.of(samples, ProcessSample::threads)));
        md.append(trendRow("fds", Trend.of(samples, ProcessSample::fds)));
        md.append(trendRow("RSS (MB)", Trend.of(samples, s -> s.rssKb() / 1024.0)));
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("soak.csv"), csv);
            Files.writeString(out.resolve("soak.md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.print(md);
    }

    private static String trendRow(String name, Trend t) {
        return t == null ? "| " + name + " | - | - | - |\n"
                : String.format(Locale.ROOT, "| %s | %.1f | %.1f | %+.2f |%n", name, t.earlyMean(), t.lateMean(),
                        t.slopePerMinute());
    }

    /**
     * The trend of one column after warm-up.
     *
     * @param earlyMean mean of the second quarter of the samples
     * @param lateMean mean of the last quarter
     * @param slopePerMinute least-squares slope through the second half, per minute
     */
    record Trend(double earlyMean, double lateMean, double slopePerMinute) {

        /** Null with fewer than 4 samples. */
        static Trend of(List<ProcessSample> samples, ToDoubleFunction<ProcessSample> column) {
            int n = samples.size();
            if (n < 4) {
                return null;
            }
            int q = n / 4;
            double early = mean(samples.subList(q, 2 * q), column);
            double late = mean(samples.subList(n - q, n), column);
            List<ProcessSample> half = samples.subList(n / 2, n);
            double mx = 0;
            double my = 0;
            for (ProcessSample s : half) {
                mx += s.seconds();
                my += column.applyAsDouble(s);
            }
            mx /= half.size();
            my /= half.size();
            double sxy = 0;
            double sxx = 0;
            for (ProcessSample s : half) {
                sxy += (s.seconds() - mx) * (column.applyAsDouble(s) - my);
                sxx += (s.seconds() - mx) * (s.seconds() - mx);
            }
            return new Trend(early, late, sxx == 0 ? 0 : sxy / sxx * 60);
        }

        private static double mean(List<ProcessSample> s, ToDoubleFunction<ProcessSample> column) {
            return s.stream().mapToDouble(column).average().orElse(Double.NaN);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
