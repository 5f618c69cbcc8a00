package io.quarkiverse.llmd.benchmarks.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.benchmarks.sim.scaling.Autoscaling;
import io.quarkiverse.llmd.benchmarks.sim.scaling.Fleet;
import io.quarkiverse.llmd.benchmarks.sim.scaling.PoolView;
import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingTrace;
import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.PromptCorpus;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;
import io.quarkiverse.llmd.engine.autoscaling.ReplicaMetrics;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventConsumer;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEvent;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.FlowTicker;
import io.quarkiverse.llmd.engine.pipeline.PendingDecision;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pipeline.SaturationProbe;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.simulator.engine.EngineConfig;
import io.quarkiverse.llmd.simulator.engine.EngineCore;
import io.quarkiverse.llmd.simulator.engine.SimRequest;
import io.quarkiverse.llmd.simulator.engine.StepResult;

/**
 * A discrete-event simulation of a gateway in front of N vLLM pods, in virtual time.
 *
 * <p>Each pod is the simulator's {@link EngineCore} (continuous batching, chunked prefill, KV blocks with prefix
 * caching). The gateway is the engine's {@link RequestPipeline}, the same component the proxy and the ext_proc
 * service drive, over the real {@link Scheduler} built from an EndpointPickerConfig: parse the OpenAI body → legacy
 * admission, or flow control when the config's {@code flowControl} gate is on (queueing, TTL expiry and shedding in
 * virtual time) → schedule → pre-request hooks (in-flight counters, approximate prefix index) → submit to the chosen
 * pod → responseStarted and firstChunk when the first token is out → complete when the last one is (or on
 * timeout). The scheduler
 * sees pod metrics the way the data layer does: every {@code scrape_interval} (50 ms) each pod is scraped, at its own
 * phase, for the values the engine last published at a step boundary (waiting, running, KV usage, block size and
 * count), so decisions work on stale data exactly as in a real deployment.
 *
 * <p>Events: one pending arrival at a time (generated lazily from the load stages), one step completion per busy pod,
 * one scrape per pod, and a timeout per request when the workload sets {@code request_timeout} (counted from the
 * send). With {@code num_workers × worker_max_concurrency} set, the client keeps at most that many requests in
 * flight and holds later arrivals back, in order, until others end. A step's effects
 * (tokens, finished requests) become visible at its end. Deterministic: one {@link SplittableRandom} seeded with the
 * seed is split into the streams for data, arrivals, scrape phases and scheduler randomness; no wall clock; no hash
 * iteration order matters.
 *
 * <p>With an {@link Autoscaling} the pool is one scale target whose policy is evaluated every
 * {@code intervalSeconds} of virtual time: a scale-up creates pods that join the scheduler's candidates
 * {@code timeToReadySeconds} later (and are scraped from then on); a scale-down first cancels pods still starting
 * (newest first), then drains ready ones (newest first): a draining pod takes no new request and leaves when its
 * in-flight requests have finished. New pods draw their scrape phase from the same stream after the initial ones,
 * so a run stays deterministic for its seed, and a run without autoscaling is the same run as before.
 *
 * <p>With {@link GatewayOptions#replicas()} above 1 there are that many gateways, each its own pipeline over its own
 * scheduler loaded from the same config (so its own approximate prefix index, in-flight counters, saturation
 * detector and flow-control queue); a request goes to one of them by {@link GatewayOptions#spread()}. They share the
 * pods and the scraped metrics (one data layer). When the config has a KV-event consumer
 * ({@code precise-prefix-cache-producer}), the pods emit KV events and each step's events are applied, through the
 * engine's {@link KvEventIngestor}, {@link GatewayOptions#kvEventDelaySeconds()} after the step ends, to every
 * distinct index: once for a shared index, once per replica otherwise ({@link PreciseIndexes}). A pod that becomes
 * ready starts with an AllBlocksCleared (its cache is empty whatever the index remembered), and a pod that leaves
 * is removed from the indexes, as the runtime does on endpoint removal.
 *
 * <p>With a {@link Fleet} the pool holds several variants of the model, each on its own hardware profile (its own
 * step times and KV size) and each its own scale target; the pods carry their variant in the
 * {@code llm-d.ai/variant} label, the gateway routes over all of them, and the policy sees one view per variant.
 */
public final class ClusterSimulator {

    private static final int ARRIVAL = 0;
    private static final int STEP_DONE = 1;
    private static final int SCRAPE = 2;
    private static final int TIMEOUT = 3;
    private static final int FLOW_TICK = 4;
    private static final int POD_READY = 5;
    private static final int SCALE_TICK = 6;
    private static final int KV_EVENTS = 7;
    private static final int REPLICA_BITS = 6;
    private static final byte READY = 0;
    private static final byte STARTING = 1;
    private static final byte DRAINING = 2;
    private static final byte GONE = 3;
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    /** State of one in-flight request, attached to its {@link SimRequest}. */
    private static final class InFlight {
        final int index;
        final RoutedRequest routed;
        final int pod;
        final SimRequest request;
        final double dispatched;

        InFlight(int index, RoutedRequest routed, int pod, SimRequest request, double dispatched) {
            this.index = index;
            this.routed = routed;
            this.pod = pod;
            this.request = request;
            this.dispatched = dispatched;
        }
    }

    /** A request the client's concurrency limit holds back. */
    private record Held(int index, byte[] body, int[] prompt, int[] output) {
    }

    private final WorkloadSpec workload;
    private final ClusterSpec cluster;
    /** One gateway replica: its pipeline and its flow-control ticker. */
    private final class Gateway {
        final int id;
        RequestPipeline pipeline;
        Runnable flowTick;
        long flowTickGeneration;
        double flowTickPeriod;

        Gateway(int id) {
            this.id = id;
        }
    }

    /** KV events of one pod's step, on their way to the indexes. */
    private record KvDelivery(double publishedAt, String pod, List<KvEvent> events) {
    }

    /** Sees each step's KV events just before and just after the indexes apply them (for tests). */
    interface KvDeliveryObserver {
        void delivering(double now, double publishedAt, String pod, List<KvEvent> events, boolean applied);
    }

    private KvDeliveryObserver kvObserver;

    private final Gateway[] gateways;
    private final GatewayOptions options;
    private final SplittableRandom spreadRandom;
    private long spreadNext;
    private int[] gatewayOf = new int[1024];
    /** The prompt tokens of requests not yet scheduled, for {@link SimTokenProducer} (the model server's render). */
    private final Map<String, int[]> rendering = new HashMap<>();
    private final List<KvEventIngestor> ingestors = new ArrayList<>();
    private final ArrayDeque<KvDelivery> deliveries = new ArrayDeque<>();
    private final String schedulerName;
    private final long seed;

    private final EventQueue events = new EventQueue();
    private final PromptCorpus corpus;
    private final PromptCorpus.Draft draft = new PromptCorpus.Draft();
    private final SplittableRandom arrivalRandom;
    private final SplittableRandom schedulerRandom;
    private final RequestLog log;

    private EngineCore[] engines;
    private StepResult[] pending;
    private Endpoint[] endpoints;
    private final Map<String, Integer> podByName = new HashMap<>();
    private int[] pubWaiting;
    private int[] pubRunning;
    private double[] pubKv;
    private final SplittableRandom scrapeRandom;
    /** One engine configuration per variant (one for a fixed pool). */
    private final EngineConfig[] engineConfigs;
    private final io.quarkiverse.llmd.simulator.config.HardwareProfile[] hardwareOf;

    // autoscaling (null / unused for a fixed pool)
    private final Fleet scaling;
    private final ScalingTrace trace;
    private byte[] podState;
    private int[] variantOf;
    private int[] lastDesiredOf;
    private List<List<PoolView.Completion>> completionsOf;
    private int podCount;
    private int lastDesired;
    private int arrivalsSinceTick;
    private double lastTick;
    private final Map<Integer, Integer> queuedPrompt = new HashMap<>();
    private long queuedPromptTokens;
    private List<Endpoint> candidates;
    private InFlight[] inFlightByIndex = new InFlight[1024];
    /** Requests waiting in flow control, by index, so that a client timeout can cancel them. */
    private final Map<Integer, PendingDecision> queued = new HashMap<>();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final int maxConcurrency;
    private int inFlight;
    private boolean candidatesDirty;

    private double now;
    private int stageIndex;
    private double[] stageStart;
    private double nextArrival;
    private long arrivalsInStage;
    private boolean arrivalsDone;
    private int outstanding;
    private long steps;
    private long processed;

    /** Loads a gateway replica's configuration with the registry the simulator gives it. */
    @FunctionalInterface
    public interface ConfigSource {
        EndpointPickerConfigLoader.Loaded load(PluginRegistry registry);

        /** An EndpointPickerConfig file, loaded afresh for each replica. */
        static ConfigSource of(java.nio.file.Path file) {
            return registry -> new EndpointPickerConfigLoader(registry).load(file);
        }

        /** An EndpointPickerConfig given as YAML text. */
        static ConfigSource of(String source, String yaml) {
            return registry -> new EndpointPickerConfigLoader(registry).load(source, yaml);
        }
    }

    /** A gateway that admits everything and has no flow control: the scheduler alone. */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, Scheduler scheduler, String schedulerName,
            long seed) {
        this(workload, cluster, r -> null, scheduler, schedulerName, seed, null, GatewayOptions.SINGLE);
    }

    /**
     * A gateway configured as the EndpointPickerConfig says, as the runtime builds it: legacy admission with the
     * config's saturation detector, or flow control when its {@code flowControl} gate is on.
     */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, EndpointPickerConfigLoader.Loaded loaded,
            String schedulerName, long seed) {
        this(workload, cluster, r -> loaded, null, schedulerName, seed, null, GatewayOptions.SINGLE);
    }

    /**
     * A gateway configured as the EndpointPickerConfig says in front of a pool that the autoscaling's policy
     * scales; the cluster's pod count is ignored (the pool starts at {@code initialReplicas}).
     */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, EndpointPickerConfigLoader.Loaded loaded,
            String schedulerName, long seed, Autoscaling scaling) {
        this(workload, cluster, r -> loaded, null, schedulerName, seed, fleet(scaling, cluster),
                GatewayOptions.SINGLE);
    }

    /**
     * {@code options.replicas()} gateways, each with the configuration {@code source} loads through the simulator's
     * registry ({@link SchedulerConfigs#registry(SimTokenProducer.Renderer, PreciseIndexes)}), in front of a fixed
     * pool or, with {@code scaling}, an autoscaled one.
     */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, ConfigSource source, String schedulerName,
            long seed, Autoscaling scaling, GatewayOptions options) {
        this(workload, cluster, source, null, schedulerName, seed, fleet(scaling, cluster), options);
    }

    private static Fleet fleet(Autoscaling scaling, ClusterSpec cluster) {
        return scaling == null ? null : Fleet.of(scaling, cluster.hardware());
    }

    /** With {@code bare} set, one gateway over that scheduler alone; else each replica loads {@code source}. */
    private ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, ConfigSource source, Scheduler bare,
            String schedulerName, long seed, Fleet scaling, GatewayOptions options) {
        this.workload = workload;
        this.options = options;
        this.cluster = cluster;
        this.schedulerName = schedulerName;
        this.seed = seed;
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom dataRandom = root.split();
        this.arrivalRandom = root.split();
        this.scrapeRandom = root.split();
        this.schedulerRandom = root.split();
        this.spreadRandom = root.split(); // split last: the streams above are those of a single-gateway run
        this.corpus = new PromptCorpus(workload, dataRandom);
        double expected = 0;
        for (WorkloadSpec.Stage s : workload.load().stages()) {
            expected += s.rate() * s.duration();
        }
        this.log = new RequestLog((int) Math.min(50_000_000, expected * 1.05 + 16));
        this.maxConcurrency = workload.load().maxConcurrency();

        this.scaling = scaling;
        // the gateways first: whether the pods must emit KV events depends on their plugins
        gateways = new Gateway[options.replicas()];
        PreciseIndexes indexes = new PreciseIndexes(options.preciseIndex());
        EndpointPickerConfigLoader.Loaded[] loaded = new EndpointPickerConfigLoader.Loaded[gateways.length];
        Scheduler[] schedulers = new Scheduler[gateways.length];
        Map<KvBlockIndex, KvEventConsumer> consumers = new IdentityHashMap<>();
        for (int g = 0; g < gateways.length; g++) {
            gateways[g] = new Gateway(g);
            loaded[g] = bare != null ? null : source.load(SchedulerConfigs.registry(this::render, indexes));
            schedulers[g] = bare != null ? bare : loaded[g].scheduler();
            for (KvEventConsumer c : schedulers[g].pluginsOf(KvEventConsumer.class)) {
                consumers.putIfAbsent(c.index(), c); // a shared index is fed once
            }
        }
        List<KvEventConsumer> distinct = new ArrayList<>(consumers.values());
        distinct.sort(java.util.Comparator.comparing(c -> c.typedName().toString())); // no hash order
        for (KvEventConsumer c : distinct) {
            ingestors.add(c.newIngestor());
        }
        int n = scaling == null ? cluster.pods() : scaling.initialReplicas();
        engines = new EngineCore[n];
        pending = new StepResult[n];
        endpoints = new Endpoint[n];
        pubWaiting = new int[n];
        pubRunning = new int[n];
        pubKv = new double[n];
        podState = new byte[n];
        variantOf = new int[n];
        int variants = scaling == null ? 1 : scaling.members().size();
        engineConfigs = new EngineConfig[variants];
        hardwareOf = new io.quarkiverse.llmd.simulator.config.HardwareProfile[variants];
        lastDesiredOf = new int[variants];
        completionsOf = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            hardwareOf[v] = scaling == null ? cluster.hardware() : scaling.members().get(v).hardware();
            engineConfigs[v] = new EngineConfig(workload.model(), hardwareOf[v], cluster.maxNumSeqs(),
                    cluster.maxNumBatchedTokens(), cluster.enablePrefixCaching(), !ingestors.isEmpty());
            completionsOf.add(new ArrayList<>());
            lastDesiredOf[v] = scaling == null ? n : scaling.members().get(v).initialReplicas();
        }
        for (int v = 0, p = 0; v < variants; v++) {
            int count = scaling == null ? n : scaling.members().get(v).initialReplicas();
            for (int k = 0; k < count; k++, p++) {
                createPod(v);
                // each pod is scraped at its own phase, like independent collectors
                events.add(scrapeRandom.nextDouble() * cluster.scrapeIntervalSeconds(), SCRAPE, p);
            }
        }
        candidates = List.of(endpoints);
        if (scaling != null) {
            List<String> names = new ArrayList<>();
            for (Fleet.Member m : scaling.members()) {
                names.add(m.name());
            }
            trace = new ScalingTrace(scaling.policy().name(), names);
            lastDesired = n;
            recordTrace();
            events.add(scaling.policy().intervalSeconds(), SCALE_TICK, 0);
        } else {
            trace = null;
        }
        for (int g = 0; g < gateways.length; g++) {
            gateways[g].pipeline = gateway(gateways[g], schedulers[g], loaded[g]);
        }
    }

    /** The engine pipeline in virtual time: the clock, monotonic time and flow control's ticks are the event queue's. */
    private RequestPipeline gateway(Gateway gw, Scheduler scheduler, EndpointPickerConfigLoader.Loaded loaded) {
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return ClusterSimulator.instant(now);
            }
        };
        Admission admission = Admission.ALWAYS;
        SaturationProbe probe = null;
        if (loaded != null) {
            probe = new SaturationProbe(loaded.saturationDetector(), scheduler);
            admission = Admission.legacy(probe, null);
        }
        RequestPipeline p = new RequestPipeline(RequestPipeline.DEFAULT_POOL, scheduler, this::currentCandidates,
                admission, Map.of(), clock, PipelineMetrics.NOOP, () -> (long) (now * 1e9));
        p.useRandom(() -> schedulerRandom);
        if (loaded != null && loaded.config().featureGate("flowControl")) {
            FlowControlConfig fc = loaded.flowControl();
            FlowTicker ticker = (periodMillis, tick) -> {
                long generation = ++gw.flowTickGeneration;
                gw.flowTick = tick;
                gw.flowTickPeriod = periodMillis / 1000.0;
                events.add(now + gw.flowTickPeriod, FLOW_TICK, flowTickArg(gw, generation));
                return () -> {
                    if (gw.flowTickGeneration == generation) {
                        gw.flowTick = null;
                    }
                };
            };
            // the runtime's defaults (quarkus.llmd.flow-control.*): 5 ms cycle, TTL checked every 50 ms
            p.enableFlowControl(fc, probe, ticker, Duration.ofMillis(5), Duration.ofMillis(50), 1024, null);
        }
        return p;
    }

    /** The flow-tick event's argument: the replica in the low bits, the ticker's generation above. */
    private static int flowTickArg(Gateway gw, long generation) {
        return (int) ((generation & ((1 << (29 - REPLICA_BITS)) - 1)) << REPLICA_BITS) | gw.id;
    }

    /** The simulated model server's render of a request not yet scheduled (null when unknown). */
    private int[] render(String requestId) {
        return rendering.get(requestId);
    }

    private List<Endpoint> currentCandidates() {
        if (candidatesDirty) {
            if (scaling == null) {
                candidates = List.of(endpoints);
            } else {
                List<Endpoint> ready = new ArrayList<>(podCount);
                for (int p = 0; p < podCount; p++) {
                    if (podState[p] == READY) {
                        ready.add(endpoints[p]);
                    }
                }
                candidates = List.copyOf(ready);
            }
            candidatesDirty = false;
        }
        return candidates;
    }

    /** A new pod of {@code variant}, index {@code podCount}; ready unless autoscaling starts it later. */
    private int createPod(int variant) {
        int p = podCount++;
        if (p == engines.length) {
            int cap = Math.max(4, p * 2);
            engines = Arrays.copyOf(engines, cap);
            pending = Arrays.copyOf(pending, cap);
            endpoints = Arrays.copyOf(endpoints, cap);
            pubWaiting = Arrays.copyOf(pubWaiting, cap);
            pubRunning = Arrays.copyOf(pubRunning, cap);
            pubKv = Arrays.copyOf(pubKv, cap);
            podState = Arrays.copyOf(podState, cap);
            variantOf = Arrays.copyOf(variantOf, cap);
        }
        variantOf[p] = variant;
        engines[p] = new EngineCore(engineConfigs[variant]);
        String name = "default/sim-" + p + "-rank-0";
        Map<String, String> labels = scaling == null || scaling.members().size() == 1 ? Map.of("app", "vllm-sim")
                : Map.of("app", "vllm-sim", "llm-d.ai/variant", scaling.members().get(variant).name());
        endpoints[p] = new Endpoint(name, "10." + (p >> 16 & 255) + "." + (p >> 8 & 255) + "." + (p & 255)
                + ":8000", labels, EndpointMetrics.NONE);
        podByName.put(name, p);
        podState[p] = READY;
        return p;
    }

    /** Convenience: build and run. */
    public static RunResult run(WorkloadSpec workload, ClusterSpec cluster, Scheduler scheduler, String name,
            long seed) {
        return new ClusterSimulator(workload, cluster, scheduler, name, seed).run();
    }

    /** Convenience: build and run a gateway configured as the EndpointPickerConfig says. */
    public static RunResult run(WorkloadSpec workload, ClusterSpec cluster, EndpointPickerConfigLoader.Loaded loaded,
            String name, long seed) {
        return new ClusterSimulator(workload, cluster, loaded, name, seed).run();
    }

    /** Build and run with autoscaling; the trace is in the result. */
    public static ScaledRun run(WorkloadSpec workload, ClusterSpec cluster, EndpointPickerConfigLoader.Loaded loaded,
            String name, long seed, Autoscaling scaling) {
        ClusterSimulator sim = new ClusterSimulator(workload, cluster, loaded, name, seed, scaling);
        RunResult r = sim.run();
        return new ScaledRun(r, sim.trace);
    }

    /** Build and run with gateway replicas (and, when {@code scaling} is not null, autoscaling). */
    public static GatewayRun run(WorkloadSpec workload, ClusterSpec cluster, ConfigSource source, String name,
            long seed, Autoscaling scaling, GatewayOptions options) {
        ClusterSimulator sim = new ClusterSimulator(workload, cluster, source, name, seed, scaling, options);
        RunResult r = sim.run();
        return new GatewayRun(r, sim.trace, Arrays.copyOf(sim.gatewayOf, r.log().size()), options.replicas(),
                sim.kvEventStats());
    }

    /**
     * Build and run {@code options.replicas()} gateways in front of the variants of {@code fleet}, each on its own
     * hardware profile (the cluster's profile is not used; its batch limits, prefix caching and scrape interval are).
     */
    public static GatewayRun runFleet(WorkloadSpec workload, ClusterSpec cluster, ConfigSource source, String name,
            long seed, Fleet fleet, GatewayOptions options) {
        ClusterSimulator sim = new ClusterSimulator(workload, cluster, source, null, name, seed, fleet, options);
        RunResult r = sim.run();
        return new GatewayRun(r, sim.trace, Arrays.copyOf(sim.gatewayOf, r.log().size()), options.replicas(),
                sim.kvEventStats());
    }

    /** The distinct precise indexes the pods' events feed, in ingestion order (for tests). */
    List<KvBlockIndex> preciseIndexesForTest() {
        List<KvBlockIndex> out = new ArrayList<>();
        for (KvEventIngestor i : ingestors) {
            out.add(i.index());
        }
        return out;
    }

    void observeKvDeliveries(KvDeliveryObserver observer) {
        this.kvObserver = observer;
    }

    /** What the ingestors applied, summed over the distinct indexes (empty without a KV-event consumer). */
    public Map<String, Long> kvEventStats() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        if (ingestors.isEmpty()) {
            return m;
        }
        long stored = 0;
        long removed = 0;
        long clears = 0;
        long broken = 0;
        long notDense = 0;
        for (KvEventIngestor i : ingestors) {
            stored += i.blocksStored();
            removed += i.blocksRemoved();
            clears += i.clears();
            broken += i.droppedBrokenChain();
            notDense += i.droppedNotDense();
        }
        m.put("indexes", (long) ingestors.size());
        m.put("blocks_stored", stored);
        m.put("engine_blocks_removed", removed);
        m.put("all_blocks_cleared", clears);
        m.put("dropped_broken_chain", broken);
        m.put("dropped_not_dense", notDense);
        return m;
    }

    /** The replicas over time of an autoscaled run ({@code null} for a fixed pool). */
    public ScalingTrace trace() {
        return trace;
    }

    public RunResult run() {
        List<WorkloadSpec.Stage> stages = workload.load().stages();
        stageStart = new double[stages.size()];
        double t = 0;
        for (int i = 0; i < stages.size(); i++) {
            stageStart[i] = t;
            t += stages.get(i).duration();
        }
        stageIndex = 0;
        nextArrival = 0;
        scheduleNextArrival(true);
        while (!events.isEmpty()) {
            if (arrivalsDone && outstanding == 0) {
                break;
            }
            now = events.peekTime();
            int payload = events.poll();
            processed++;
            int arg = EventQueue.arg(payload);
            switch (EventQueue.kind(payload)) {
                case ARRIVAL -> {
                    arrive();
                    scheduleNextArrival(false);
                }
                case STEP_DONE -> stepDone(arg);
                case SCRAPE -> {
                    if (podState[arg] != GONE) {
                        scrape(arg);
                        events.add(now + cluster.scrapeIntervalSeconds(), SCRAPE, arg);
                    }
                }
                case POD_READY -> podReady(arg);
                case SCALE_TICK -> scaleTick();
                case TIMEOUT -> timeout(arg);
                case FLOW_TICK -> flowTick(arg);
                case KV_EVENTS -> deliverKvEvents();
                default -> throw new IllegalStateException("unknown event " + payload);
            }
            // requests the client held back go out as soon as others have ended (after the event, so that a pod
            // finishing a step has started its next one before new work reaches it)
            while (!held.isEmpty() && inFlight < maxConcurrency) {
                Held h = held.pollFirst();
                log.sent[h.index()] = now;
                send(h.index(), h.body(), h.prompt(), h.output());
            }
        }
        long preemptions = 0;
        for (int p = 0; p < podCount; p++) {
            preemptions += engines[p].totalPreemptions();
        }
        double end = 0;
        for (int i = 0; i < log.size(); i++) {
            double f = log.finish[i];
            if (f > end) {
                end = f;
            }
        }
        return new RunResult(schedulerName, workload, cluster, seed, log, stageStart, end, steps, preemptions,
                processed);
    }

    private void scheduleNextArrival(boolean first) {
        List<WorkloadSpec.Stage> stages = workload.load().stages();
        while (stageIndex < stages.size()) {
            WorkloadSpec.Stage s = stages.get(stageIndex);
            double end = stageStart[stageIndex] + s.duration();
            double candidate;
            if (workload.load().poisson()) {
                double base = first ? stageStart[stageIndex] : nextArrival;
                candidate = base - Math.log(1 - arrivalRandom.nextDouble()) / s.rate();
            } else {
                arrivalsInStage = first ? 0 : arrivalsInStage + 1;
                candidate = stageStart[stageIndex] + arrivalsInStage / s.rate(); // no accumulated rounding
            }
            if (candidate < end) {
                nextArrival = candidate;
                events.add(candidate, ARRIVAL, stageIndex);
                return;
            }
            stageIndex++;
            first = true; // the next stage starts afresh at its start time
        }
        arrivalsDone = true;
    }

    private void arrive() {
        int stage = stageIndex;
        int i = log.size();
        corpus.next(i, draft);
        int idx = log.add(now, stage, draft.group, draft.promptTokens.length, draft.outputTokens.length);
        outstanding++;
        arrivalsSinceTick++;
        if (maxConcurrency > 0 && inFlight >= maxConcurrency) {
            held.addLast(new Held(idx, draft.body, draft.promptTokens, draft.outputTokens));
            return;
        }
        send(idx, draft.body, draft.promptTokens, draft.outputTokens);
    }

    /** The gateway's part: the pipeline decides (now, or later when flow control releases the request). */
    private void send(int idx, byte[] body, int[] prompt, int[] output) {
        inFlight++;
        String id = "req-" + idx;
        Gateway gw = pickGateway();
        if (idx >= gatewayOf.length) {
            gatewayOf = Arrays.copyOf(gatewayOf, Math.max(idx + 1, gatewayOf.length * 2));
        }
        gatewayOf[idx] = gw.id;
        if (!ingestors.isEmpty()) {
            rendering.put(id, prompt);
        }
        PendingDecision pending = gw.pipeline.submit(corpus.path(), Map.of(OpenAiRequestParser.REQUEST_ID_HEADER, id),
                body, null);
        if (workload.load().requestTimeoutSeconds() > 0) {
            events.add(now + workload.load().requestTimeoutSeconds(), TIMEOUT, idx);
        }
        if (pending.isDone()) {
            decided(idx, pending.join(), prompt, output);
        } else {
            // flow control queued it: the decision arrives inside a later FLOW_TICK event
            queued.put(idx, pending);
            queuedPrompt.put(idx, prompt.length);
            queuedPromptTokens += prompt.length;
            pending.thenAccept(d -> {
                queued.remove(idx);
                unqueue(idx);
                decided(idx, d, prompt, output);
            });
        }
    }

    private Gateway pickGateway() {
        if (gateways.length == 1) {
            return gateways[0];
        }
        int g = options.spread() == GatewayOptions.Spread.RANDOM ? spreadRandom.nextInt(gateways.length)
                : (int) (spreadNext++ % gateways.length);
        return gateways[g];
    }

    private void decided(int idx, Decision decision, int[] prompt, int[] output) {
        if (!ingestors.isEmpty()) {
            rendering.remove("req-" + idx);
        }
        if (log.status[idx] != RequestLog.PENDING) { // the client timed out while the request was queued
            if (decision instanceof RoutedRequest r) {
                r.complete(ResponseOutcome.FAILED);
            }
            return;
        }
        if (decision instanceof Decision.Rejected rejected) {
            if (rejected.status() == 400) {
                throw new IllegalStateException("generated an invalid request: " + rejected.message());
            }
            log.status[idx] = RequestLog.REJECTED;
            log.finish[idx] = now;
            ended();
            return;
        }
        RoutedRequest routed = (RoutedRequest) decision;
        Endpoint served = routed.served();
        Integer pod = podByName.get(served.name());
        if (pod == null) {
            throw new IllegalStateException("scheduler picked an unknown endpoint " + served.name());
        }
        log.pod[idx] = pod;
        SimRequest sr = new SimRequest(routed.request().requestId(), prompt, output, "length", null, null, false);
        EngineCore engine = engines[pod];
        InFlight f = new InFlight(idx, routed, pod, sr, now);
        sr.attach(f);
        if (workload.load().requestTimeoutSeconds() > 0) {
            if (idx >= inFlightByIndex.length) {
                inFlightByIndex = Arrays.copyOf(inFlightByIndex, Math.max(idx + 1, inFlightByIndex.length * 2));
            }
            inFlightByIndex[idx] = f;
        }
        engine.submit(sr);
        if (pending[pod] == null) {
            startStep(pod);
        }
    }

    private void flowTick(int arg) {
        Gateway gw = gateways[arg & ((1 << REPLICA_BITS) - 1)];
        Runnable tick = gw.flowTick;
        if (tick == null || flowTickArg(gw, gw.flowTickGeneration) != arg) {
            return; // a ticker that was stopped (and maybe restarted): its old events fall silent
        }
        tick.run();
        if (gw.flowTick == tick && flowTickArg(gw, gw.flowTickGeneration) == arg) {
            events.add(now + gw.flowTickPeriod, FLOW_TICK, arg);
        }
    }

    /** A step's KV events leave the pod now and reach the indexes after the configured delay. */
    private void publishKvEvents(int pod, List<io.quarkiverse.llmd.simulator.kvevents.KvEvent> stepEvents) {
        List<KvEvent> converted = new ArrayList<>(stepEvents.size());
        for (io.quarkiverse.llmd.simulator.kvevents.KvEvent e : stepEvents) {
            converted.add(convert(e));
        }
        publish(pod, converted);
    }

    private void publish(int pod, List<KvEvent> converted) {
        deliveries.addLast(new KvDelivery(now, endpoints[pod].address(), converted));
        // one delay for all: deliveries are due in the order they were published
        events.add(now + options.kvEventDelaySeconds(), KV_EVENTS, 0);
    }

    private void deliverKvEvents() {
        KvDelivery d = deliveries.pollFirst();
        String model = workload.model();
        if (kvObserver != null) {
            kvObserver.delivering(now, d.publishedAt(), d.pod(), d.events(), false);
        }
        for (KvEventIngestor ingestor : ingestors) {
            for (KvEvent e : d.events()) {
                ingestor.apply(d.pod(), model, e);
            }
        }
        if (kvObserver != null) {
            kvObserver.delivering(now, d.publishedAt(), d.pod(), d.events(), true);
        }
    }

    /**
     * The simulated engine's event as the gateway's decoder would have produced it from vLLM's wire form (same
     * fields; an absent parent is {@code hasParent=false}).
     */
    static KvEvent convert(io.quarkiverse.llmd.simulator.kvevents.KvEvent e) {
        if (e instanceof io.quarkiverse.llmd.simulator.kvevents.KvEvent.BlockStored s) {
            Long parent = s.parentBlockHash();
            return new KvEvent.BlockStored(s.blockHashes(), parent == null ? KvBlockIndex.NO_KEY : parent,
                    parent != null, s.tokenIds(), s.blockSize(), s.loraId() == null ? null : s.loraId().longValue(),
                    s.medium(), s.loraName(), null, null, null, null, null);
        }
        if (e instanceof io.quarkiverse.llmd.simulator.kvevents.KvEvent.BlockRemoved r) {
            return new KvEvent.BlockRemoved(r.blockHashes(), r.medium(), null, null);
        }
        return KvEvent.AllBlocksCleared.INSTANCE;
    }

    private void ended() {
        outstanding--;
        inFlight--;
    }

    private void startStep(int pod) {
        EngineCore engine = engines[pod];
        if (!engine.hasWork()) {
            pending[pod] = null;
            if (podState[pod] == DRAINING) {
                retire(pod); // its last in-flight request is done: the pod leaves
            }
            return;
        }
        StepResult r = engine.step();
        steps++;
        if (r == StepResult.IDLE) {
            pending[pod] = null;
            if (podState[pod] == DRAINING && !engine.hasWork()) {
                retire(pod);
            }
            return;
        }
        pending[pod] = r;
        events.add(now + r.durationSeconds(), STEP_DONE, pod);
    }

    private void stepDone(int pod) {
        StepResult r = pending[pod];
        pending[pod] = null;
        List<SimRequest> progressed = r.progressed();
        for (int k = 0, n = progressed.size(); k < n; k++) {
            SimRequest sr = progressed.get(k);
            if (sr.numOutput() == 1) {
                InFlight f = (InFlight) sr.attachment();
                if (log.status[f.index] == RequestLog.PENDING && Double.isNaN(log.firstToken[f.index])) {
                    log.firstToken[f.index] = now;
                    log.cachedTokens[f.index] = sr.cachedTokens();
                    f.routed.responseStarted(null);
                    f.routed.firstChunk();
                }
            }
        }
        List<SimRequest> finished = r.finished();
        for (int k = 0, n = finished.size(); k < n; k++) {
            SimRequest sr = finished.get(k);
            InFlight f = (InFlight) sr.attachment();
            int idx = f.index;
            if (log.status[idx] != RequestLog.PENDING) {
                continue; // timed out earlier
            }
            log.finish[idx] = now;
            ended();
            if (idx < inFlightByIndex.length) {
                inFlightByIndex[idx] = null;
            }
            if ("error".equals(sr.endReason())) {
                log.status[idx] = RequestLog.ERROR;
                f.routed.complete(ResponseOutcome.FAILED);
            } else {
                log.status[idx] = RequestLog.OK;
                log.cachedTokens[idx] = sr.cachedTokens();
                if (scaling != null) {
                    int out = sr.numOutput();
                    double first = log.firstToken[idx];
                    completionsOf.get(variantOf[pod]).add(new PoolView.Completion(sr.promptTokens(), sr.cachedTokens(), out,
                            first - f.dispatched, out > 1 ? (now - first) / (out - 1) : 0,
                            // what the gateway can tell of the batch beside it: the scrapes since its dispatch
                            Math.max(1, endpoints[pod].metrics().meanRunningSince(f.routed.served().metrics()))));
                }
                f.routed.complete(ResponseOutcome.succeeded(sr.promptTokens(), sr.numOutput(), sr.cachedTokens()));
            }
        }
        if (!ingestors.isEmpty() && !r.kvEvents().isEmpty()) {
            publishKvEvents(pod, r.kvEvents());
        }
        EngineCore engine = engines[pod];
        // vLLM publishes its scheduler stats at the end of each step
        pubWaiting[pod] = engine.numWaiting();
        pubRunning[pod] = engine.numRunning();
        pubKv[pod] = engine.kvCacheUsage();
        startStep(pod);
    }

    private void scrape(int pod) {
        Endpoint e = endpoints[pod];
        candidatesDirty = true;
        io.quarkiverse.llmd.simulator.config.HardwareProfile hw = hardwareOf[variantOf[pod]];
        endpoints[pod] = e.withMetrics(new EndpointMetrics(pubWaiting[pod], pubRunning[pod], pubKv[pod], Set.of(),
                Set.of(), 0, hw.blockSize(), hw.kvBlocks(), instant(now)).accumulatedAfter(e.metrics()));
    }

    private void timeout(int idx) {
        if (log.status[idx] != RequestLog.PENDING) {
            return;
        }
        InFlight f = idx < inFlightByIndex.length ? inFlightByIndex[idx] : null;
        log.status[idx] = RequestLog.TIMEOUT;
        log.finish[idx] = now;
        ended();
        if (f == null) { // still queued in flow control: the client's disconnect takes it out of the queue
            PendingDecision waiting = queued.remove(idx);
            unqueue(idx);
            rendering.remove("req-" + idx);
            if (waiting != null) {
                waiting.cancel();
            }
            return;
        }
        inFlightByIndex[idx] = null;
        engines[f.pod].abort(f.request); // false when it finished inside the step that is still running
        f.routed.complete(ResponseOutcome.FAILED);
    }

    private void unqueue(int idx) {
        Integer tokens = queuedPrompt.remove(idx);
        if (tokens != null) {
            queuedPromptTokens -= tokens;
        }
    }

    private void podReady(int pod) {
        if (podState[pod] != STARTING) {
            return; // cancelled while starting
        }
        podState[pod] = READY;
        candidatesDirty = true;
        if (!ingestors.isEmpty()) {
            // a fresh engine's cache is empty: whatever an index still holds for this pod id is stale
            publish(pod, List.of(KvEvent.AllBlocksCleared.INSTANCE));
        }
        // scraped at once (a fresh, empty pod), then at its own phase like the others
        scrape(pod);
        events.add(now + scrapeRandom.nextDouble() * cluster.scrapeIntervalSeconds(), SCRAPE, pod);
        recordTrace();
    }

    private void retire(int pod) {
        podState[pod] = GONE;
        for (KvEventIngestor ingestor : ingestors) {
            ingestor.index().removeEndpoint(endpoints[pod].address()); // as the runtime does when a pod leaves
        }
        recordTrace();
    }

    private void scaleTick() {
        double dt = now - lastTick;
        int variants = scaling.members().size();
        int[] current = new int[variants];
        int[] ready = new int[variants];
        int[] running = new int[variants];
        List<List<ReplicaMetrics>> metrics = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            metrics.add(new ArrayList<>());
        }
        List<Endpoint> readyPods = new ArrayList<>();
        for (int p = 0; p < podCount; p++) {
            if (podState[p] == READY) {
                readyPods.add(endpoints[p]);
            }
        }
        // each gateway admits its own share to a pod, so the pod may hold the sum
        double[] admission = new double[readyPods.size()];
        for (Gateway gw : gateways) {
            double[] limits = gw.pipeline.admissionLimits(readyPods);
            for (int i = 0; i < admission.length; i++) {
                admission[i] += limits[i];
            }
        }
        for (int p = 0, r = 0; p < podCount; p++) {
            int v = variantOf[p];
            if (podState[p] == READY || podState[p] == STARTING) {
                current[v]++;
            }
            if (podState[p] != GONE && podState[p] != STARTING) {
                running[v] += engines[p].numRunning() + engines[p].numWaiting();
            }
            if (podState[p] == READY) {
                ready[v]++;
                EndpointMetrics m = endpoints[p].metrics();
                metrics.get(v).add(new ReplicaMetrics(endpoints[p].name(), true, m.waitingQueueSize(),
                        m.runningRequestsSize(), Math.max(0, Math.min(1, m.kvCacheUsage())),
                        m.kvCacheTokens(), admission[r++]));
            }
        }
        int fcQueue = 0;
        for (Gateway gw : gateways) {
            fcQueue += gw.pipeline.flowControlEnabled() ? gw.pipeline.flowControlQueueSize() : 0;
        }
        double rate = dt > 0 ? arrivalsSinceTick / dt : 0;
        List<PoolView> views = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            // one variant: the gateway's own count (the EPP's llm_d_epp_request_running); several: the requests on
            // the variant's pods (vLLM's running plus waiting summed over the variant's label)
            int runningNow = variants == 1 ? inFlight - queued.size() : running[v];
            views.add(new PoolView(now, current[v], ready[v], metrics.get(v), fcQueue, queuedPromptTokens, runningNow,
                    rate, completionsOf.get(v)));
        }
        for (List<PoolView.Completion> c : completionsOf) {
            c.clear();
        }
        arrivalsSinceTick = 0;
        lastTick = now;
        int[] desired = scaling.policy().desired(views);
        lastDesired = 0;
        for (int v = 0; v < variants; v++) {
            Fleet.Member m = scaling.members().get(v);
            int d = Math.max(m.minReplicas(), Math.min(m.maxReplicas(), desired[v]));
            lastDesiredOf[v] = d;
            lastDesired += d;
            resize(v, current[v], d);
        }
        recordTrace();
        events.add(now + scaling.policy().intervalSeconds(), SCALE_TICK, 0);
    }

    /** Starts or removes pods of {@code variant} until {@code desired} are starting or ready. */
    private void resize(int variant, int current, int desired) {
        for (int n = current; n < desired; n++) {
            int p = createPod(variant);
            podState[p] = STARTING;
            trace.podCreated();
            events.add(now + scaling.members().get(variant).timeToReadySeconds(), POD_READY, p);
        }
        int excess = current - desired;
        // pods still starting go first (nothing to drain), then ready ones; newest first, as a ReplicaSet would
        for (byte victim : new byte[] { STARTING, READY }) {
            for (int p = podCount - 1; p >= 0 && excess > 0; p--) {
                if (podState[p] != victim || variantOf[p] != variant) {
                    continue;
                }
                excess--;
                if (victim == STARTING) {
                    podState[p] = GONE;
                } else {
                    podState[p] = DRAINING;
                    candidatesDirty = true;
                    if (pending[p] == null && !engines[p].hasWork()) {
                        podState[p] = GONE;
                    }
                }
            }
        }
    }

    private void recordTrace() {
        if (trace == null) {
            return;
        }
        int provisioned = 0;
        int ready = 0;
        int[] byVariant = new int[scaling.members().size()];
        double costPerHour = 0;
        for (int p = 0; p < podCount; p++) {
            if (podState[p] != GONE) {
                provisioned++;
                byVariant[variantOf[p]]++;
                costPerHour += scaling.members().get(variantOf[p]).costPerReplicaHour();
            }
            ready += podState[p] == READY ? 1 : 0;
        }
        trace.record(now, provisioned, ready, lastDesired, costPerHour, byVariant);
    }

    private static Instant instant(double seconds) {
        long whole = (long) Math.floor(seconds);
        long nanos = (long) ((seconds - whole) * 1e9);
        return EPOCH.plusSeconds(whole).plusNanos(nanos);
    }
}
