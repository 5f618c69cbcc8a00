package io.quarkiverse.llmd.benchmarks;

import java.util.Arrays;

import io.quarkiverse.llmd.benchmarks.demo.SchedulingDemo;

/** Entry point of {@code bin/llmd-bench}: one subcommand per tool. */
public final class BenchMain {

    private static final String USAGE = """
            usage: llmd-bench <command> [options]

            commands:
              jmh [JMH options]   JMH micro-benchmarks (for example: jmh SchedulingCycle -p endpoints=64 -prof gc)
              demo [--config F]   print scheduling decisions for sample requests over sample endpoints
              sim [options]       discrete-event cluster simulation of a workload under schedulers (sim --help)
              live [options]      send a workload to a live gateway, pods or ext_proc picker in real time (live --help)
              soak [options]      a live run held for a duration while the gateway's heap, threads and fds are sampled
                                  (soak --help)
              report [options]    regenerate the cluster benchmark report from sim runs (report --help)
              paired [options]    two schedulers of sim runs over several seeds: per-stage paired differences
                                  with 95% confidence intervals (paired --help)
              stalls [--seconds N] how often and how long the machine holds up a spinning thread (run it pinned)
              picker [--port N]   an ext_proc picker that decides nothing: the transport's floor (picker --help)
            """;

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "demo" -> SchedulingDemo.main(rest);
            case "sim" -> System.exit(io.quarkiverse.llmd.benchmarks.sim.SimCommand.main(rest));
            case "live" -> System.exit(io.quarkiverse.llmd.benchmarks.live.LiveCommand.main(rest));
            case "soak" -> System.exit(io.quarkiverse.llmd.benchmarks.live.SoakCommand.main(rest));
            case "report" -> System.exit(io.quarkiverse.llmd.benchmarks.report.ReportCommand.main(rest));
            case "paired" -> System.exit(io.quarkiverse.llmd.benchmarks.report.PairedCommand.main(rest));
            case "stalls" -> System.exit(io.quarkiverse.llmd.benchmarks.live.StallProbe.main(rest));
            case "picker" -> System.exit(io.quarkiverse.llmd.benchmarks.live.PickerCommand.main(rest));
            default -> {
                System.err.println("unknown command '" + args[0] + "'\n" + USAGE);
                System.exit(2);
            }
        }
    }
}
