package io.quarkiverse.llmd.benchmarks.sim;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.PromptCorpus;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
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
 * caching). The gateway is the real engine {@link Scheduler} built from an EndpointPickerConfig, driven with the same
 * call sequence as the proxy: parse the OpenAI body → {@link SchedulingContext} at virtual now → schedule →
 * preRequest (in-flight counters, approximate prefix index) → submit to the chosen pod → responseStarted and
 * firstChunk when the first token is out → responseComplete when the last one is (or on timeout). The scheduler
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
 */
public final class ClusterSimulator {

    private static final int ARRIVAL = 0;
    private static final int STEP_DONE = 1;
    private static final int SCRAPE = 2;
    private static final int TIMEOUT = 3;
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    /** State of one in-flight request, attached to its {@link SimRequest}. */
    private static final class InFlight {
        final int index;
        final SchedulingContext context;
        final Endpoint served;
        final int pod;
        final SimRequest request;

        InFlight(int index, SchedulingContext context, Endpoint served, int pod, SimRequest request) {
            this.index = index;
            this.context = context;
            this.served = served;
            this.pod = pod;
            this.request = request;
        }
    }

    /** A request the client's concurrency limit holds back. */
    private record Held(int index, byte[] body, int[] prompt, int[] output) {
    }

    private final WorkloadSpec workload;
    private final ClusterSpec cluster;
    private final Scheduler scheduler;
    private final String schedulerName;
    private final long seed;

    private final EventQueue events = new EventQueue();
    private final OpenAiRequestParser parser = new OpenAiRequestParser();
    private final PromptCorpus corpus;
    private final PromptCorpus.Draft draft = new PromptCorpus.Draft();
    private final SplittableRandom arrivalRandom;
    private final SplittableRandom schedulerRandom;
    private final RequestLog log;

    private final EngineCore[] engines;
    private final StepResult[] pending;
    private final Endpoint[] endpoints;
    private final Map<String, Integer> podByName = new HashMap<>();
    private final int[] pubWaiting;
    private final int[] pubRunning;
    private final double[] pubKv;
    private List<Endpoint> candidates;
    private InFlight[] inFlightByIndex = new InFlight[1024];
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

    public ClusterSimulator(WorkloadSpec workload, ClusterSpec cluster, Scheduler scheduler, String schedulerName,
            long seed) {
        this.workload = workload;
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.schedulerName = schedulerName;
        this.seed = seed;
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom dataRandom = root.split();
        this.arrivalRandom = root.split();
        SplittableRandom scrapeRandom = root.split();
        this.schedulerRandom = root.split();
        this.corpus = new PromptCorpus(workload, dataRandom);
        double expected = 0;
        for (WorkloadSpec.Stage s : workload.load().stages()) {
            expected += s.rate() * s.duration();
        }
        this.log = new RequestLog((int) Math.min(50_000_000, expected * 1.05 + 16));
        this.maxConcurrency = workload.load().maxConcurrency();

        int n = cluster.pods();
        engines = new EngineCore[n];
        pending = new StepResult[n];
        endpoints = new Endpoint[n];
        pubWaiting = new int[n];
        pubRunning = new int[n];
        pubKv = new double[n];
        EngineConfig config = new EngineConfig(workload.model(), cluster.hardware(), cluster.maxNumSeqs(),
                cluster.maxNumBatchedTokens(), cluster.enablePrefixCaching(), false);
        for (int p = 0; p < n; p++) {
            engines[p] = new EngineCore(config);
            String name = "default/sim-" + p + "-rank-0";
            endpoints[p] = new Endpoint(name, "10." + (p >> 16 & 255) + "." + (p >> 8 & 255) + "." + (p & 255)
                    + ":8000", Map.of("app", "vllm-sim"), EndpointMetrics.NONE);
            podByName.put(name, p);
            // each pod is scraped at its own phase, like independent collectors
            events.add(scrapeRandom.nextDouble() * cluster.scrapeIntervalSeconds(), SCRAPE, p);
        }
        candidates = List.of(endpoints);
    }

    /** Convenience: build and run. */
    public static RunResult run(WorkloadSpec workload, ClusterSpec cluster, Scheduler scheduler, String name,
            long seed) {
        return new ClusterSimulator(workload, cluster, scheduler, name, seed).run();
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
                    scrape(arg);
                    events.add(now + cluster.scrapeIntervalSeconds(), SCRAPE, arg);
                }
                case TIMEOUT -> timeout(arg);
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
        for (EngineCore e : engines) {
            preemptions += e.totalPreemptions();
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
        if (maxConcurrency > 0 && inFlight >= maxConcurrency) {
            held.addLast(new Held(idx, draft.body, draft.promptTokens, draft.outputTokens));
            return;
        }
        send(idx, draft.body, draft.promptTokens, draft.outputTokens);
    }

    /** The gateway's part: parse, schedule, pre-request hooks, hand the request to the chosen pod. */
    private void send(int idx, byte[] body, int[] prompt, int[] output) {
        if (candidatesDirty) {
            candidates = List.of(endpoints);
            candidatesDirty = false;
        }
        inFlight++;
        String id = "req-" + idx;
        InferenceRequest request;
        try {
            request = parser.parse(corpus.path(), Map.of(OpenAiRequestParser.REQUEST_ID_HEADER, id), body);
        } catch (InvalidRequestException e) {
            throw new IllegalStateException("generated an invalid request: " + e.getMessage(), e);
        }
        SchedulingContext context = new SchedulingContext(request, instant(now), schedulerRandom);
        SchedulingResult result = scheduler.schedule(context, candidates);
        if (!result.succeeded()) {
            log.status[idx] = RequestLog.REJECTED;
            log.finish[idx] = now;
            ended();
            return;
        }
        scheduler.preRequest(context, result);
        Endpoint served = result.primary().primary();
        Integer pod = podByName.get(served.name());
        if (pod == null) {
            throw new IllegalStateException("scheduler picked an unknown endpoint " + served.name());
        }
        log.pod[idx] = pod;
        SimRequest sr = new SimRequest(id, prompt, output, "length", null, null, false);
        InFlight f = new InFlight(idx, context, served, pod, sr);
        sr.attach(f);
        if (workload.load().requestTimeoutSeconds() > 0) {
            if (idx >= inFlightByIndex.length) {
                inFlightByIndex = Arrays.copyOf(inFlightByIndex, Math.max(idx + 1, inFlightByIndex.length * 2));
            }
            inFlightByIndex[idx] = f;
            events.add(now + workload.load().requestTimeoutSeconds(), TIMEOUT, idx);
        }
        EngineCore engine = engines[pod];
        engine.submit(sr);
        if (pending[pod] == null) {
            startStep(pod);
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
            return;
        }
        StepResult r = engine.step();
        steps++;
        if (r == StepResult.IDLE) {
            pending[pod] = null;
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
                    scheduler.responseStarted(f.context, f.served);
                    scheduler.firstChunk(f.context, f.served);
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
                scheduler.responseComplete(f.context, f.served, ResponseOutcome.FAILED);
            } else {
                log.status[idx] = RequestLog.OK;
                log.cachedTokens[idx] = sr.cachedTokens();
                scheduler.responseComplete(f.context, f.served, ResponseOutcome.succeeded(sr.promptTokens(),
                        sr.numOutput(), sr.cachedTokens()));
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
        InFlight f = inFlightByIndex[idx];
        inFlightByIndex[idx] = null;
        log.status[idx] = RequestLog.TIMEOUT;
        log.finish[idx] = now;
        ended();
        engines[f.pod].abort(f.request); // false when it finished inside the step that is still running
        scheduler.responseComplete(f.context, f.served, ResponseOutcome.FAILED);
    }

    private static Instant instant(double seconds) {
        long whole = (long) Math.floor(seconds);
        long nanos = (long) ((seconds - whole) * 1e9);
        return EPOCH.plusSeconds(whole).plusNanos(nanos);
    }
}
