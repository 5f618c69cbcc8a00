package io.quarkiverse.llmd.gateway.epp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import io.quarkiverse.llmd.gateway.epp.EppFlag.Severity;
import io.quarkiverse.llmd.gateway.epp.EppOptions.LogLevel;
import io.quarkiverse.llmd.gateway.epp.EppOptions.Note;

/**
 * Parses llm-d's EPP command line the way Go's {@code pflag} reads it, so that the arguments KServe or the llm-d
 * charts give {@code /app/epp} work unchanged: {@code --flag value} and {@code --flag=value}; boolean flags as
 * {@code --flag} or {@code --flag=false} (never {@code --flag false}); one or two leading dashes; a repeated flag keeps
 * its last value, except {@code --endpoint-target-ports} which adds up. GAIE's older camelCase spellings
 * ({@code --poolName}) are accepted with a note. The checks llm-d makes at start are made here too.
 */
public final class EppCommandLine {

    /** llm-d refuses to scrape model servers more often than this. */
    public static final Duration MIN_REFRESH_METRICS_INTERVAL = Duration.ofMillis(50);

    /** Group of the GA InferencePool, llm-d's default {@code --pool-group}. */
    public static final String DEFAULT_POOL_GROUP = "inference.networking.k8s.io";

    /** Namespace of the pool when neither the flag nor {@code $NAMESPACE} says. */
    public static final String DEFAULT_POOL_NAMESPACE = "default";

    private static final int MAX_TARGET_PORTS = 8;

    private EppCommandLine() {
    }

    /**
     * Parses and checks a command line.
     *
     * @param args the arguments after the program name
     * @param env the environment ({@code NAMESPACE} is the pool's namespace when {@code --pool-namespace} is absent)
     * @return the options
     * @throws EppUsageException if llm-d's EPP would refuse the command line; the message names the flag
     */
    public static EppOptions parse(List<String> args, Map<String, String> env) throws EppUsageException {
        Map<EppFlag, Object> values = new EnumMap<>(EppFlag.class);
        Map<EppFlag, String> raw = new EnumMap<>(EppFlag.class);
        Set<EppFlag> order = new LinkedHashSet<>();
        List<Note> notes = new ArrayList<>();
        EppFlag lastLogLevelFlag = null;

        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                if (i + 1 < args.size()) {
                    throw new EppUsageException("unexpected argument \"" + args.get(i + 1) + "\": the EPP takes flags only");
                }
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-") || arg.startsWith("---")) {
                throw unexpected(arg, i > 0 ? args.get(i - 1) : null);
            }
            String body = arg.substring(arg.startsWith("--") ? 2 : 1);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String inline = eq < 0 ? null : body.substring(eq + 1);
            if (name.isEmpty()) {
                throw new EppUsageException("bad flag syntax: " + arg);
            }
            EppFlag flag = EppFlag.byName(name)
                    .orElseThrow(() -> new EppUsageException("unknown flag: " + arg.substring(0, arg.length()
                            - (inline == null ? 0 : inline.length() + 1))));
            if (!name.equals(flag.flagName())) {
                notes.add(new Note(flag, Severity.INFO, "-" + (arg.startsWith("--") ? "-" : "") + name
                        + " is the older GAIE spelling of " + flag.display()));
            }
            String text;
            if (flag.type().kind() == EppFlag.Type.Kind.BOOL) {
                text = inline == null ? "true" : inline;
            } else if (inline != null) {
                text = inline;
            } else if (i + 1 < args.size()) {
                text = args.get(++i);
            } else {
                throw new EppUsageException("flag needs an argument: " + flag.display());
            }
            Object value;
            try {
                value = convert(flag, text);
            } catch (IllegalArgumentException e) {
                throw new EppUsageException("invalid value for " + flag.display() + ": " + e.getMessage());
            }
            if (flag == EppFlag.ENDPOINT_TARGET_PORTS && values.containsKey(flag)) {
                List<Integer> all = new ArrayList<>(ports(values.get(flag)));
                all.addAll(ports(value));
                value = all;
            }
            if (flag == EppFlag.ZAP_LOG_LEVEL || flag == EppFlag.V) {
                lastLogLevelFlag = flag;
            }
            values.put(flag, value);
            raw.put(flag, text);
            order.add(flag);
        }
        return build(values, raw, order, notes, lastLogLevelFlag, env);
    }

    private static EppUsageException unexpected(String arg, String previous) {
        boolean looksLikeBool = arg.equalsIgnoreCase("true") || arg.equalsIgnoreCase("false");
        Optional<EppFlag> previousFlag = previous == null || !previous.startsWith("-") || previous.contains("=")
                ? Optional.empty()
                : EppFlag.byName(previous.replaceFirst("^--?", ""));
        if (looksLikeBool && previousFlag.filter(f -> f.type().kind() == EppFlag.Type.Kind.BOOL).isPresent()) {
            return new EppUsageException("unexpected argument \"" + arg + "\": write "
                    + previousFlag.get().display() + "=" + arg + " (a boolean flag takes its value after '=')");
        }
        return new EppUsageException("unexpected argument \"" + arg + "\": the EPP takes flags only");
    }

    private static Object convert(EppFlag flag, String text) {
        EppFlag.Type type = flag.type();
        return switch (type.kind()) {
            case BOOL -> GoValues.parseBool(text);
            case INT -> GoValues.parseInt(text);
            case PORT -> port(text);
            case PORT_LIST -> text.isEmpty() ? List.<Integer> of()
                    : Arrays.stream(text.split(",", -1)).map(EppCommandLine::port).toList();
            case STRING -> text;
            case STRING_LIST -> text.isEmpty() ? List.<String> of()
                    : Arrays.stream(text.split(",", -1)).map(String::trim).peek(s -> {
                        if (s.isEmpty()) {
                            throw new IllegalArgumentException("empty entry in \"" + text + "\"");
                        }
                    }).toList();
            case DURATION -> GoValues.parseDuration(text);
            case BYTE_SIZE -> GoValues.parseByteSize(text);
            case LOG_LEVEL -> logLevel(text);
            case LABEL_SELECTOR -> {
                // checked here, kept as text: discovery reads the selector from configuration
                if (!text.isEmpty()) {
                    LabelSelector.parse(text);
                }
                yield text;
            }
            case CHOICE -> {
                if (!type.choices().contains(text)) {
                    throw new IllegalArgumentException("\"" + text + "\" is not one of " + String.join(", ", type.choices()));
                }
                yield text;
            }
        };
    }

    private static int port(String text) {
        int port = GoValues.parseInt(text.trim());
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0-65535");
        }
        return port;
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> ports(Object value) {
        return (List<Integer>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }

    /** zap's level names, or a verbosity as llm-d counts it: 1-3 verbose info, 4 debug, 5 and more trace. */
    static LogLevel logLevel(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "debug":
                return LogLevel.DEBUG;
            case "info":
                return LogLevel.INFO;
            case "warn":
                return LogLevel.WARN;
            case "error":
                return LogLevel.ERROR;
            case "dpanic", "panic", "fatal":
                return LogLevel.FATAL;
            default:
                int verbosity;
                try {
                    verbosity = Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("\"" + text
                            + "\" is not a level (debug, info, warn, error, panic) nor a verbosity (1, 2, ...)");
                }
                return verbosity(verbosity);
        }
    }

    static LogLevel verbosity(int verbosity) {
        if (verbosity < 0) {
            throw new IllegalArgumentException("verbosity " + verbosity + " is negative");
        }
        // llm-d's VERBOSE (1-3) lines are still logged as "info"; DEBUG is 4, TRACE 5
        return verbosity >= 5 ? LogLevel.TRACE : verbosity == 4 ? LogLevel.DEBUG : LogLevel.INFO;
    }

    private static EppOptions build(Map<EppFlag, Object> values, Map<EppFlag, String> raw, Set<EppFlag> order,
            List<Note> notes, EppFlag lastLogLevelFlag, Map<String, String> env) throws EppUsageException {
        // Go treats an empty string flag as unset
        Optional<String> poolName = string(values, EppFlag.POOL_NAME);
        Optional<String> selector = string(values, EppFlag.ENDPOINT_SELECTOR);
        if (poolName.isPresent() == selector.isPresent()) {
            throw new EppUsageException(poolName.isPresent()
                    ? "--pool-name and --endpoint-selector cannot both be set"
                    : "either --pool-name or --endpoint-selector must be set");
        }
        List<Integer> targetPorts = List.copyOf(new LinkedHashSet<>(
                ports(values.getOrDefault(EppFlag.ENDPOINT_TARGET_PORTS, List.of()))));
        if (selector.isPresent() && (targetPorts.isEmpty() || targetPorts.size() > MAX_TARGET_PORTS)) {
            throw new EppUsageException("--endpoint-target-ports must list 1 to " + MAX_TARGET_PORTS
                    + " ports with --endpoint-selector, got " + targetPorts.size());
        }
        Optional<String> configFile = string(values, EppFlag.CONFIG_FILE);
        Optional<String> configText = string(values, EppFlag.CONFIG_TEXT);
        if (configFile.isPresent() && configText.isPresent()) {
            throw new EppUsageException("--config-file and --config-text cannot both be set");
        }
        Duration refresh = positive(values, EppFlag.REFRESH_METRICS_INTERVAL, MIN_REFRESH_METRICS_INTERVAL);
        if (refresh.compareTo(MIN_REFRESH_METRICS_INTERVAL) < 0) {
            notes.add(new Note(EppFlag.REFRESH_METRICS_INTERVAL, Severity.WARN, "--refresh-metrics-interval "
                    + raw.get(EppFlag.REFRESH_METRICS_INTERVAL) + " is below llm-d's floor; using 50ms"));
            refresh = MIN_REFRESH_METRICS_INTERVAL;
        }
        Duration prometheusRefresh = positive(values, EppFlag.REFRESH_PROMETHEUS_METRICS_INTERVAL, Duration.ofSeconds(5));
        Duration drain = (Duration) values.getOrDefault(EppFlag.DRAIN_TIMEOUT, Duration.ofSeconds(30));
        if (drain.isNegative()) {
            throw new EppUsageException("invalid value for --drain-timeout: " + raw.get(EppFlag.DRAIN_TIMEOUT)
                    + " is negative");
        }
        OptionalLong maxRecv = OptionalLong.empty();
        if (values.containsKey(EppFlag.GRPC_MAX_RECV_MSG_SIZE)) {
            long size = (Long) values.get(EppFlag.GRPC_MAX_RECV_MSG_SIZE);
            if (size > Integer.MAX_VALUE) {
                throw new EppUsageException("invalid value for --grpc-max-recv-msg-size: "
                        + raw.get(EppFlag.GRPC_MAX_RECV_MSG_SIZE) + " is more than 2 GiB");
            }
            maxRecv = OptionalLong.of(size);
        }
        Optional<LogLevel> logLevel = Optional.empty();
        if (lastLogLevelFlag == EppFlag.V) {
            try {
                logLevel = Optional.of(verbosity((Integer) values.get(EppFlag.V)));
            } catch (IllegalArgumentException e) {
                throw new EppUsageException("invalid value for -v: " + e.getMessage());
            }
        } else if (lastLogLevelFlag == EppFlag.ZAP_LOG_LEVEL) {
            logLevel = Optional.of((LogLevel) values.get(EppFlag.ZAP_LOG_LEVEL));
        }

        Map<EppFlag, String> ignored = new EnumMap<>(EppFlag.class);
        for (EppFlag flag : order) {
            if (!flag.honoured()) {
                ignored.put(flag, raw.get(flag));
                notes.add(new Note(flag, severityOfIgnored(flag, values.get(flag)),
                        flag.display() + " has no effect here: " + flag.ignoredBecause().orElseThrow()));
            }
        }
        String namespace = string(values, EppFlag.POOL_NAMESPACE)
                .or(() -> Optional.ofNullable(env.get("NAMESPACE")).filter(s -> !s.isEmpty()))
                .orElse(DEFAULT_POOL_NAMESPACE);

        return new EppOptions(
                poolName,
                namespace,
                string(values, EppFlag.POOL_GROUP).orElse(DEFAULT_POOL_GROUP),
                selector,
                targetPorts,
                bool(values, EppFlag.DISABLE_ENDPOINT_SUBSET_FILTER, false),
                (Integer) values.getOrDefault(EppFlag.GRPC_PORT, 9002),
                (Integer) values.getOrDefault(EppFlag.GRPC_HEALTH_PORT, 9003),
                bool(values, EppFlag.SECURE_SERVING, true),
                string(values, EppFlag.CERT_PATH).map(Path::of),
                string(values, EppFlag.TLS_MIN_VERSION),
                strings(values.getOrDefault(EppFlag.TLS_CIPHER_SUITES, List.of())),
                maxRecv,
                bool(values, EppFlag.GRPC_ENABLE_COMPRESSION, false),
                drain,
                configFile,
                configText,
                refresh,
                prometheusRefresh,
                string(values, EppFlag.MODEL_SERVER_METRICS_PATH).orElse("/metrics"),
                (Integer) values.getOrDefault(EppFlag.METRICS_PORT, 9090),
                logLevel,
                "json".equals(values.get(EppFlag.ZAP_ENCODER)),
                string(values, EppFlag.KUBECONFIG).map(Path::of),
                order.isEmpty() ? EnumSet.noneOf(EppFlag.class) : EnumSet.copyOf(order),
                ignored,
                notes);
    }

    /**
     * An ignored flag asking for what happens here anyway (a feature switched off, plain HTTP scraping) is only
     * worth an info line, whatever the flag's own severity.
     */
    private static Severity severityOfIgnored(EppFlag flag, Object value) {
        boolean switchedOff = Boolean.FALSE.equals(value) && flag != EppFlag.ALLOW_EXPERIMENTAL_PLUGINS
                && flag != EppFlag.HEALTH_CHECKING;
        boolean plainHttp = flag == EppFlag.MODEL_SERVER_METRICS_SCHEME && "http".equals(value);
        return switchedOff || plainHttp ? Severity.INFO : flag.severity();
    }

    private static Optional<String> string(Map<EppFlag, Object> values, EppFlag flag) {
        return Optional.ofNullable((String) values.get(flag)).filter(s -> !s.isEmpty());
    }

    private static boolean bool(Map<EppFlag, Object> values, EppFlag flag, boolean defaultValue) {
        return (Boolean) values.getOrDefault(flag, defaultValue);
    }

    private static Duration positive(Map<EppFlag, Object> values, EppFlag flag, Duration defaultValue)
            throws EppUsageException {
        Duration d = (Duration) values.getOrDefault(flag, defaultValue);
        if (d.isNegative() || d.isZero()) {
            throw new EppUsageException("invalid value for " + flag.display() + ": it must be positive");
        }
        return d;
    }
}
