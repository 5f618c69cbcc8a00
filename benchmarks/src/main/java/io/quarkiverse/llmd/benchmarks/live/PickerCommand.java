package io.quarkiverse.llmd.benchmarks.live;

/**
 * {@code llmd-bench picker}: serves the {@link LoopbackPicker}, an ext_proc picker that decides nothing, on a loopback
 * port. Driven by {@code llmd-bench live --mode extproc} exactly as the gateway is, it shows what the same client,
 * gRPC transport and machine give when the picker itself takes no time: the floor under any decision latency
 * measured against the gateway there.
 */
public final class PickerCommand {

    static final String USAGE = """
            usage: llmd-bench picker [--port N] [--seconds S]

              Serves an ext_proc picker that decides nothing on 127.0.0.1:N (default 0: a free port, printed),
              plaintext, answering every exchange as the gateway does in FULL_DUPLEX_STREAMED mode (the destination
              127.0.0.1:1 once the request body has ended, bodies echoed). Runs for S seconds (default: until
              stopped). Drive it with `llmd-bench live --mode extproc --plaintext --target 127.0.0.1:N`, pinned
              beside the client as the gateway would be, to measure the client's and the transport's own latency.
            """;

    private PickerCommand() {
    }

    public static int main(String[] args) throws InterruptedException {
        int port = 0;
        double seconds = Double.POSITIVE_INFINITY;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--port" -> {
                    i++;
                    port = parseInt(value);
                    if (port < 0 || port > 65_535) {
                        System.err.println("error: --port takes a port number in [0, 65535], got '" + value + "'\n"
                                + USAGE);
                        return 2;
                    }
                }
                case "--seconds" -> {
                    i++;
                    seconds = parseDouble(value);
                    if (!(seconds > 0)) {
                        System.err.println("error: --seconds takes a positive number of seconds, got '" + value
                                + "'\n" + USAGE);
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
        try (LoopbackPicker picker = new LoopbackPicker(port)) {
            System.out.println("picker: serving ext_proc on " + picker.target());
            if (Double.isInfinite(seconds)) {
                picker.awaitTermination();
            } else {
                Thread.sleep((long) (seconds * 1000));
            }
        }
        return 0;
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
