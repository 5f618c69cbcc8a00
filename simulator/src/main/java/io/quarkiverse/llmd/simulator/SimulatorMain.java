package io.quarkiverse.llmd.simulator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.quarkiverse.llmd.simulator.config.FailureConfig;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** Command line of {@code bin/llmd-sim}: parses flags, starts a {@link SimulatedFleet}, runs until killed. */
public final class SimulatorMain {

    private static final String[][] FLAGS = {
            { "model", "NAME", "served model name (required); seeds block hashes" },
            { "replicas", "N", "simulated pods in this JVM, on consecutive ports (default 1)" },
            { "port", "P", "HTTP port of pod 0; pod i uses P+i; 0 = free ports (default 8000)" },
            { "host", "ADDR", "address to bind (default 127.0.0.1)" },
            { "advertised-host", "HOST", "host reported in P/D kv_transfer_params (default: --host)" },
            { "hardware", "PROFILE", "h100-qwen3-32b-tp2 | h100-llama-8b | a100-llama-8b | l4-llama-8b, or H100, A100, L4"
                    + " (default h100-llama-8b)" },
            { "step-time", "A,B,C,D", "override step time a + b*prefill_tokens + c*decode_seqs + d*decode_context, seconds" },
            { "kv-blocks", "N", "override KV-cache blocks per pod" },
            { "block-size", "N", "override tokens per KV block (default 16)" },
            { "max-model-len", "N", "context window; longer requests get 400 (default 16384)" },
            { "max-num-seqs", "N", "max running sequences per step (default 256)" },
            { "max-num-batched-tokens", "N", "token budget per step, chunked prefill (default 8192)" },
            { "max-waiting-queue-length", "N", "waiting requests beyond this get 429 (default 1000)" },
            { "enable-prefix-caching", "BOOL", "reuse cached prompt blocks (default true)" },
            { "time-scale", "X", "simulated time runs X times faster than the wall clock (default 1)" },
            { "kv-transfer-time-per-token", "SECONDS", "P/D decode side: KV transfer time per prompt token (default 5e-6)" },
            { "lora-modules", "A[=PATH],B", "LoRA adapters served from the start" },
            { "max-loras", "N", "reported in vllm:lora_requests_info (default 4)" },
            { "seed", "N", "seed of generated text and lengths (default 42)" },
            { "tokenizer", "PATH", "a model's HuggingFace tokenizer.json (or its directory) so token ids match the"
                    + " model; needs ai.djl.huggingface:tokenizers, bundled in llmd-sim.jar (default: built-in)" },
            { "eos-probability", "P", "chance a request stops before max_tokens, unless ignore_eos (default 0.2)" },
            { "default-max-tokens", "N", "mean output length when max_tokens is absent (default 128)" },
            { "max-body-bytes", "N", "request bodies above this get 413 (default 4194304)" },
            { "kv-events-port", "P", "base ZMQ port for KV events, pod i binds P+i; 0 = off (default 0)" },
            { "zmq-endpoint", "tcp://HOST:P", "centralized KV events: every pod connects its PUB to this socket the"
                    + " gateway binds (instead of binding --kv-events-port)" },
            { "kv-events-replay-port", "R", "pod i binds a ROUTER replay socket on R+i; 0 = off (default 0)" },
            { "kv-events-map-format", "BOOL", "events as tagged maps (vLLM after PR #42892) instead of arrays (default"
                    + " false)" },
            { "failure-rate", "P", "fraction in [0,1] of completions that fail (default 0)" },
            { "failure-kinds", "K,...", "5xx (503), drop (connection closed mid-stream), slow (late first byte); default all" },
            { "slow-first-byte-ms", "MS", "delay of a 'slow' failure (default 5000)" },
            { "metrics-stall-ms", "MS", "/metrics answers after MS; -1 = never answers (default 0)" },
            { "help", "", "print this help" } };

    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> opts;
        SimulatorConfig config;
        try {
            opts = parse(args);
            if (opts.containsKey("help")) {
                System.out.println(help());
                return;
            }
            config = toConfig(opts);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("run with --help for the list of flags");
            System.exit(2);
            return;
        }
        SimulatedFleet fleet;
        try {
            fleet = SimulatedFleet.start(config, sinks(opts, config));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            stop.countDown();
        }));
        System.out.printf("llmd-sim: %d pod(s) of %s on %s, hardware %s, time scale %s, tokenizer %s%n",
                config.replicas(), config.model(), fleet.addresses(), config.hardware().name(), config.timeScale(),
                config.tokenizer() == null ? "built-in" : config.tokenizer());
        stop.await();
    }

    /** The KV-event publishers the flags ask for: per pod, centralized, with or without replay. */
    static KvEventSinkFactory sinks(Map<String, String> o, SimulatorConfig config) {
        String central = o.get("zmq-endpoint");
        int replay = integer(o.getOrDefault("kv-events-replay-port", "0"));
        boolean map = bool(o.getOrDefault("kv-events-map-format", "false"));
        if ((central == null || central.isBlank()) && config.kvEventsPort() == 0) {
            if (replay != 0 || o.containsKey("kv-events-map-format")) {
                throw new IllegalArgumentException("--kv-events-replay-port and --kv-events-map-format need"
                        + " --kv-events-port or --zmq-endpoint");
            }
            return KvEventSinkFactory.DEFAULT;
        }
        String bindHost = config.host().equals("0.0.0.0") ? "*" : config.host();
        KvEventSinkFactory factory = KvEventSinkFactory.zmq(central, bindHost, replay, map, null);
        // SimulatedFleet emits events when a non-default factory is given, even without --kv-events-port.
        return factory;
    }

    public static String help() {
        StringBuilder sb = new StringBuilder("usage: llmd-sim --model NAME [flags]\n\n"
                + "Simulates vLLM pods (OpenAI API, /metrics, /tokenize, P/D, LoRA) with a continuous-batching "
                + "engine model.\n\nflags (--flag VALUE or --flag=VALUE):\n");
        for (String[] f : FLAGS) {
            String left = "  --" + f[0] + (f[1].isEmpty() ? "" : " " + f[1]);
            sb.append(String.format("%-40s %s%n", left, f[2]));
        }
        return sb.toString();
    }

    static Map<String, String> parse(String[] args) {
        List<String> known = Arrays.stream(FLAGS).map(f -> f[0]).toList();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown flag --" + name);
            }
            if (value == null && !name.equals("help")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            out.put(name, value == null ? "true" : value);
        }
        return out;
    }

    static SimulatorConfig toConfig(Map<String, String> o) {
        String model = o.get("model");
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("--model is required");
        }
        HardwareProfile hw = HardwareProfile.byName(o.getOrDefault("hardware", "h100-llama-8b"));
        if (o.containsKey("step-time")) {
            double[] s = Arrays.stream(o.get("step-time").split(",")).mapToDouble(SimulatorMain::dbl).toArray();
            if (s.length != 4) {
                throw new IllegalArgumentException("--step-time needs four numbers a,b,c,d");
            }
            hw = hw.withStep(s[0], s[1], s[2], s[3]);
        }
        hw = hw.withKv(integer(o.getOrDefault("kv-blocks", "" + hw.kvBlocks())),
                integer(o.getOrDefault("block-size", "" + hw.blockSize())));
        SimulatorConfig.Builder b = SimulatorConfig.builder(model).hardware(hw);
        if (o.containsKey("replicas")) b.replicas(integer(o.get("replicas")));
        if (o.containsKey("port")) b.port(integer(o.get("port")));
        if (o.containsKey("host")) b.host(o.get("host"));
        if (o.containsKey("advertised-host")) b.advertisedHost(o.get("advertised-host"));
        if (o.containsKey("max-model-len")) b.maxModelLen(integer(o.get("max-model-len")));
        if (o.containsKey("max-num-seqs")) b.maxNumSeqs(integer(o.get("max-num-seqs")));
        if (o.containsKey("max-num-batched-tokens")) b.maxNumBatchedTokens(integer(o.get("max-num-batched-tokens")));
        if (o.containsKey("max-waiting-queue-length")) b.maxWaitingQueueLength(integer(o.get("max-waiting-queue-length")));
        if (o.containsKey("enable-prefix-caching")) b.enablePrefixCaching(bool(o.get("enable-prefix-caching")));
        if (o.containsKey("time-scale")) b.timeScale(dbl(o.get("time-scale")));
        if (o.containsKey("kv-transfer-time-per-token")) b.kvTransferSecondsPerToken(dbl(o.get("kv-transfer-time-per-token")));
        if (o.containsKey("lora-modules")) b.loraModules(list(o.get("lora-modules")));
        if (o.containsKey("max-loras")) b.maxLoras(integer(o.get("max-loras")));
        if (o.containsKey("seed")) b.seed(Long.parseLong(o.get("seed").trim()));
        if (o.containsKey("eos-probability")) b.eosProbability(dbl(o.get("eos-probability")));
        if (o.containsKey("default-max-tokens")) b.defaultMaxTokens(integer(o.get("default-max-tokens")));
        if (o.containsKey("max-body-bytes")) b.maxBodyBytes(integer(o.get("max-body-bytes")));
        if (o.containsKey("kv-events-port")) b.kvEventsPort(integer(o.get("kv-events-port")));
        if (o.containsKey("tokenizer")) b.tokenizer(existing(o.get("tokenizer")));
        EnumSet<FailureConfig.Kind> kinds = EnumSet.noneOf(FailureConfig.Kind.class);
        for (String k : list(o.getOrDefault("failure-kinds", ""))) {
            kinds.add(FailureConfig.Kind.parse(k));
        }
        b.failures(new FailureConfig(dbl(o.getOrDefault("failure-rate", "0")), kinds,
                Long.parseLong(o.getOrDefault("slow-first-byte-ms", "5000").trim()),
                Long.parseLong(o.getOrDefault("metrics-stall-ms", "0").trim())));
        return b.build();
    }

    private static List<String> list(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        return out;
    }

    private static Path existing(String s) {
        Path p = Path.of(s.trim());
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("--tokenizer: no such file '" + s + "'");
        }
        return p;
    }

    private static int integer(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer: '" + s + "'");
        }
    }

    private static double dbl(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: '" + s + "'");
        }
    }

    private static boolean bool(String s) {
        if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("not a boolean: '" + s + "'");
        }
        return Boolean.parseBoolean(s);
    }
}
