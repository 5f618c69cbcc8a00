package io.quarkiverse.llmd.benchmarks.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.benchmarks.sim.scaling.Autoscaling;
import io.quarkiverse.llmd.benchmarks.sim.scaling.PoolView;
import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingTrace;
import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.PromptCorpus;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;
import io.quarkiverse.llmd.engine.autoscaling.ReplicaMetrics;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.flowcontrol.FlowControlConfig;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
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
 */
public final class ClusterSimulator {

    private static final int ARRIVAL = 0;
    private static final int STEP_DONE = 1;
    private static final int SCRAPE = 2;
    private static final int TIMEOUT = 3;
    private static final int FLOW_TICK = 4;
    private static final int POD_READY = 5;
    private static final int SCALE_TICK = 6;
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
        final int batchAtStart;

        InFlight(int index, RoutedRequest routed, int pod, SimRequest request, double dispatched, int batchAtStart) {
            this.index = index;
            this.routed = routed;
            this.pod = pod;
            this.request = request;
            this.dispatched = dispatched;
            this.batchAtStart = batchAtStart;
        }
    }

    /** A request the client's concurrency limit holds back. */
    private record Held(int index, byte[] body, int[] prompt, int[] output) {
    }

    private final WorkloadSpec workload;
    private final ClusterSpec cluster;
    private final RequestPipeline pipeline;
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
    private final EngineConfig engineConfig;

    // autoscaling (null / unused for a fixed pool)
    private final Autoscaling scaling;
    private final ScalingTrace trace;
    private byte[] podState;
    private int podCount;
    private int lastDesired;
    private int arrivalsSinceTick;
    private double lastTick;
    private final List<PoolView.Completion> completions = new ArrayList<>();
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
    private Runnable flowTick;
    private long flowTickGeneration;
    private double flowTickPeriod;

    private double now;
    private int stageIndex;
    private double[] stageStart;
    private double nextArrival;
    private long arrivalsInStage;
    private boolean arrivalsDone;
    private int outstanding;
    private long steps;
    private long processed;

    /** A gateway that admits everything and has no flow control: the scheduler alone. */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, Scheduler scheduler, String schedulerName,
            long seed) {
        this(workload, cluster, scheduler, null, schedulerName, seed, null);
    }

    /**
     * A gateway configured as the EndpointPickerConfig says, as the runtime builds it: legacy admission with the
     * config's saturation detector, or flow control when its {@code flowControl} gate is on.
     */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, EndpointPickerConfigLoader.Loaded loaded,
            String schedulerName, long seed) {
        this(workload, cluster, loaded.scheduler(), loaded, schedulerName, seed, null);
    }

    /**
     * A gateway configured as the EndpointPickerConfig says in front of a pool that the autoscaling's policy
     * scales; the cluster's pod count is ignored (the pool starts at {@code initialReplicas}).
     */
    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, EndpointPickerConfigLoader.Loaded loaded,
            String schedulerName, long seed, Autoscaling scaling) {
        this(workload, cluster, loaded.scheduler(), loaded, schedulerName, seed, scaling);
    }

    private ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, Scheduler scheduler,
            EndpointPickerConfigLoader.Loaded loaded, String schedulerName, long seed, Autoscaling scaling) {
        this.workload = workload;
        this.cluster = cluster;
        this.schedulerName = schedulerName;
        this.seed = seed;
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom dataRandom = root.split();
        this.arrivalRandom = root.split();
        this.scrapeRandom = root.split();
        this.schedulerRandom = root.split();
        this.corpus = new PromptCorpus(workload, dataRandom);
        double expected = 0;
        for (WorkloadSpec.Stage s : workload.load().stages()) {
            expected += s.rate() * s.duration();
        }
        this.log = new RequestLog((int) Math.min(50_000_000, expected * 1.05 + 16));
        this.maxConcurrency = workload.load().maxConcurrency();

        this.scaling = scaling;
        int n = scaling == null ? cluster.pods() : scaling.initialReplicas();
        engines = new EngineCore[n];
        pending = new StepResult[n];
        endpoints = new Endpoint[n];
        pubWaiting = new int[n];
        pubRunning = new int[n];
        pubKv = new double[n];
        podState = new byte[n];
        engineConfig = new EngineConfig(workload.model(), cluster.hardware(), cluster.maxNumSeqs(),
                cluster.maxNumBatchedTokens(), cluster.enablePrefixCaching(), false);
        for (int p = 0; p < n; p++) {
            createPod();
            // each pod is scraped at its own phase, like independent collectors
            events.add(scrapeRandom.nextDouble() * cluster.scrapeIntervalSeconds(), SCRAPE, p);
        }
        candidates = List.of(endpoints);
        if (scaling != null) {
            trace = new ScalingTrace(scaling.policy().name());
            lastDesired = n;
            recordTrace();
            events.add(scaling.policy().intervalSeconds(), SCALE_TICK, 0);
        } else {
            trace = null;
        }
        this.pipeline = gateway(scheduler, loaded);
    }

    /** The engine pipeline in virtual time: the clock, monotonic time and flow control's ticks are the event queue's. */
    private RequestPipeline gateway(Scheduler scheduler, EndpointPickerConfigLoader.Loaded loaded) {
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
                long generation = ++flowTickGeneration;
                flowTick = tick;
                flowTickPeriod = periodMillis / 1000.0;
                events.add(now + flowTickPeriod, FLOW_TICK, (int) (generation & 0x3fffffff));
                return () -> {
                    if (flowTickGeneration == generation) {
                        flowTick = null;
                    }
                };
            };
            // the runtime's defaults (quarkus.llmd.flow-control.*): 5 ms cycle, TTL checked every 50 ms
            p.enableFlowControl(fc, probe, ticker, Duration.ofMillis(5), Duration.ofMillis(50), 1024, null);
        }
        return p;
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

    /** A new pod, index {@code podCount}; ready unless autoscaling starts it later. */
    private int createPod() {
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
        }
        engines[p] = new EngineCore(engineConfig);
        String name = "default/sim-" + p + "-rank-0";
        endpoints[p] = new Endpoint(name, "10." + (p >> 16 & 255) + "." + (p >> 8 & 255) + "." + (p & 255)
                + ":8000", Map.of("app", "vllm-sim"), EndpointMetrics.NONE);
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
        PendingDecision pending = pipeline.submit(corpus.path(), Map.of(OpenAiRequestParser.REQUEST_ID_HEADER, id),
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

    private void decided(int idx, Decision decision, int[] prompt, int[] output) {
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
        InFlight f = new InFlight(idx, routed, pod, sr, now,
                Math.min(cluster.maxNumSeqs(), engine.numRunning() + engine.numWaiting() + 1));
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

    private void flowTick(int generation) {
        Runnable tick = flowTick;
        if (tick == null || (flowTickGeneration & 0x3fffffff) != generation) {
            return; // a ticker that was stopped (and maybe restarted): its old events fall silent
        }
        tick.run();
        if (flowTick == tick && (flowTickGeneration & 0x3fffffff) == generation) {
            events.add(now + flowTickPeriod, FLOW_TICK, generation);
        }
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
                    completions.add(new PoolView.Completion(sr.promptTokens(), sr.cachedTokens(), out,
                            first - f.dispatched, out > 1 ? (now - first) / (out - 1) : 0, f.batchAtStart));
                }
                f.routed.complete(ResponseOutcome.succeeded(sr.promptTokens(), sr.numOutput(), sr.cachedTokens()));
            }
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
        endpoints[pod] = e.withMetrics(new EndpointMetrics(pubWaiting[pod], pubRunning[pod], pubKv[pod], Set.of(),
                Set.of(), 0, cluster.hardware().blockSize(), cluster.hardware().kvBlocks(), instant(now)));
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
        // scraped at once (a fresh, empty pod), then at its own phase like the others
        scrape(pod);
        events.add(now + scrapeRandom.nextDouble() * cluster.scrapeIntervalSeconds(), SCRAPE, pod);
        recordTrace();
    }

    private void retire(int pod) {
        podState[pod] = GONE;
        recordTrace();
    }

    private void scaleTick() {
        double dt = now - lastTick;
        int current = 0;
        int ready = 0;
        List<ReplicaMetrics> metrics = new ArrayList<>();
        for (int p = 0; p < podCount; p++) {
            if (podState[p] == READY || podState[p] == STARTING) {
                current++;
            }
            if (podState[p] == READY) {
                ready++;
                EndpointMetrics m = endpoints[p].metrics();
                metrics.add(new ReplicaMetrics(endpoints[p].name(), true, m.waitingQueueSize(),
                        m.runningRequestsSize(), Math.max(0, Math.min(1, m.kvCacheUsage())),
                        m.cacheNumBlocks() * m.cacheBlockSize()));
            }
        }
        int fcQueue = pipeline.flowControlEnabled() ? pipeline.flowControlQueueSize() : 0;
        PoolView view = new PoolView(now, current, ready, metrics, fcQueue, queuedPromptTokens,
                inFlight - queued.size(), dt > 0 ? arrivalsSinceTick / dt : 0, completions);
        completions.clear();
        arrivalsSinceTick = 0;
        lastTick = now;
        int desired = Math.max(scaling.minReplicas(), Math.min(scaling.maxReplicas(), scaling.policy().desired(view)));
        lastDesired = desired;
        resize(current, desired);
        recordTrace();
        events.add(now + scaling.policy().intervalSeconds(), SCALE_TICK, 0);
    }

    /** Starts or removes pods until {@code desired} are starting or ready. */
    private void resize(int current, int desired) {
        for (int n = current; n < desired; n++) {
            int p = createPod();
            podState[p] = STARTING;
            trace.podCreated();
            events.add(now + scaling.timeToReadySeconds(), POD_READY, p);
        }
        int excess = current - desired;
        // pods still starting go first (nothing to drain), then ready ones; newest first, as a ReplicaSet would
        for (byte victim : new byte[] { STARTING, READY }) {
            for (int p = podCount - 1; p >= 0 && excess > 0; p--) {
                if (podState[p] != victim) {
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
        for (int p = 0; p < podCount; p++) {
            provisioned += podState[p] != GONE ? 1 : 0;
            ready += podState[p] == READY ? 1 : 0;
        }
        trace.record(now, provisioned, ready, lastDesired);
    }

    private static Instant instant(double seconds) {
        long whole = (long) Math.floor(seconds);
        long nanos = (long) ((seconds - whole) * 1e9);
        return EPOCH.plusSeconds(whole).plusNanos(nanos);
    }
}
