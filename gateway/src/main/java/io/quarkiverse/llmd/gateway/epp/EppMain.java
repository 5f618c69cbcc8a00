package io.quarkiverse.llmd.gateway.epp;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point of the gateway. Without arguments it starts the application as configured (properties, environment).
 * With arguments it is llm-d's EPP ({@code /app/epp} in the image): the arguments are llm-d's flags, checked and turned
 * into configuration (system properties, see {@link EppProperties}) before Quarkus starts, so a Deployment made for
 * llm-d's image (KServe's scheduler preset, the llm-d charts) runs ours unchanged. A command line llm-d would refuse
 * exits with status 2 and the reason on standard error, as Go's flag package does.
 */
@QuarkusMain
public final class EppMain {

    /** Exit status of a bad command line, Go's. */
    static final int USAGE_ERROR = 2;

    private static final Set<String> HELP = Set.of("-h", "--help", "-help");

    private EppMain() {
    }

    /**
     * Starts the gateway.
     *
     * @param args llm-d EPP flags, or none
     */
    public static void main(String... args) {
        if (args.length == 0) {
            Quarkus.run();
            return;
        }
        if (Arrays.stream(args).anyMatch(HELP::contains)) {
            usage(System.out);
            return;
        }
        Map<String, String> properties;
        try {
            properties = EppProperties.of(EppCommandLine.parse(List.of(args), System.getenv()));
        } catch (EppUsageException e) {
            System.err.println("epp: " + e.getMessage());
            System.err.println("Run /app/epp --help for the flags.");
            System.exit(USAGE_ERROR);
            return;
        }
        // the flags are the configuration interface of an EPP: they win over -D options and the environment
        properties.forEach(System::setProperty);
        Quarkus.run(EppApplication.class, args);
    }

    /** Prints every flag: the honoured ones first, then those accepted without effect. */
    static void usage(PrintStream out) {
        out.println("Usage: /app/epp [flags]   (llm-d's EPP command line; no flags: the configured gateway)");
        out.println();
        out.println("Flags:");
        List.of(EppFlag.values()).stream()
                .sorted(Comparator.comparing((EppFlag f) -> !f.honoured()))
                .forEach(f -> out.printf("  %-50s %s%s%n", f.display() + " " + placeholder(f), f.usage(),
                        f.honoured() ? "" : " [accepted, no effect: " + f.ignoredBecause().orElseThrow() + "]"));
        out.println();
        out.println("Boolean flags take their value after '=' (--secure-serving=false). Environment: NAMESPACE is the");
        out.println("pool's namespace when --pool-namespace is absent.");
    }

    private static String placeholder(EppFlag flag) {
        return switch (flag.type().kind()) {
            case BOOL -> "";
            case INT, PORT -> "<int>";
            case PORT_LIST -> "<port,...>";
            case STRING -> "<string>";
            case STRING_LIST -> "<a,b,...>";
            case DURATION -> "<duration>";
            case BYTE_SIZE -> "<size>";
            case LOG_LEVEL -> "<level>";
            case LABEL_SELECTOR -> "<selector>";
            case CHOICE -> String.join("|", flag.type().choices());
        };
    }
}
