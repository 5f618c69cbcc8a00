package io.quarkiverse.llmd.runtime.autoscaler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.autoscaling.AutoscalerConfig;
import io.quarkiverse.llmd.engine.autoscaling.CalibrationConfig;
import io.quarkiverse.llmd.engine.autoscaling.ModelSnapshot;
import io.quarkiverse.llmd.engine.autoscaling.ReplicaMetrics;
import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.SloTargets;
import io.quarkiverse.llmd.engine.autoscaling.TokenMix;
import io.quarkiverse.llmd.engine.autoscaling.VariantAutoscaler;
import io.quarkiverse.llmd.engine.autoscaling.VariantObservation;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs the variant autoscaler in the gateway. Every {@code interval}, on its own worker thread (never an event
 * loop), it gathers each model's arrivals, token mix and gateway queue from the request tap and the pools, each
 * variant's replicas and their scraped metrics from the pool's endpoints (or the actuator's view of the scale
 * target), asks {@link VariantAutoscaler} for the replicas of every variant, and publishes the decisions: to the
 * variant's actuator, if it has one, then to gauges and counters ({@link AutoscalerMeters}), the decision log
 * ({@code /q/llmd/autoscaler/decisions}) and the {@link DecisionListener}s the application has (CloudEvents, with the
 * {@code cloud-events} module).
 *
 * <p>
 * The engine is not thread-safe: every call to it happens inside {@link #cycle()}, which is serialized.
 */
@Singleton
public class AutoscalerLoop {

    private static final Logger LOG = Logger.getLogger(AutoscalerLoop.class);
    /** Shortest window an arrival rate is measured over, so an early wake-up cycle does not inflate it. */
    private static final long MIN_RATE_WINDOW_NANOS = 1_000_000_000L;

    private final AutoscalerRuntimeConfig config;
    private final AutoscalerRequestTap tap;
    private final Instance<Pools> pools;
    private final Instance<MeterRegistry> meterRegistry;
    private final Instance<ScaleActuator> actuatorBeans;
    private final Instance<DecisionListener> listenerBeans;
    private final AutoscalerDecisionLog log;
    private final AtomicBoolean wakePending = new AtomicBoolean();

    // guarded by this
    private VariantAutoscaler engine;
    private AutoscalerMeters meters;
    private List<DecisionListener> listeners = List.of();
    private Map<String, ScaleActuator> actuators = Map.of();
    private List<VariantDefinition> configured = List.of();
    private List<VariantDefinition> discovered = List.of();
    private VariantIndex index = VariantIndex.EMPTY;
    private final Map<String, TokenMix> mixes = new HashMap<>();
    private final Map<String, Integer> lastDesired = new HashMap<>();
    /** Variants whose last actuation failed, with its detail: the error is logged when it starts or changes. */
    private final Map<String, String> failing = new HashMap<>();
    private long lastCycleNanos;
    private long cycles;

    private volatile Set<String> modelsAtZero = Set.of();
    private volatile ScheduledExecutorService worker;

    @Inject
    public AutoscalerLoop(AutoscalerRuntimeConfig config, AutoscalerRequestTap tap, Instance<Pools> pools,
            Instance<MeterRegistry> meterRegistry, @Any Instance<ScaleActuator> actuatorBeans,
            @Any Instance<DecisionListener> listenerBeans) {
        this.config = config;
        this.tap = tap;
        this.pools = pools;
        this.meterRegistry = meterRegistry;
        this.actuatorBeans = actuatorBeans;
        this.listenerBeans = listenerBeans;
        this.log = new AutoscalerDecisionLog(config.decisionLogSize());
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        if (config.interval().isNegative() || config.interval().toMillis() < 100) {
            throw new ConfigException(ConfiguredVariants.PREFIX, 0, "interval",
                    "must be at least 100ms, got " + config.interval());
        }
        if (config.sampleBufferSize() < 1) {
            throw new ConfigException(ConfiguredVariants.PREFIX, 0, "sample-buffer-size",
                    "must be at least 1, got " + config.sampleBufferSize());
        }
        start();
        long period = config.interval().toMillis();
        ScheduledExecutorService w = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmd-autoscaler");
            t.setDaemon(true);
            return t;
        });
        worker = w;
        w.scheduleWithFixedDelay(this::safeCycle, period, period, TimeUnit.MILLISECONDS);
        LOG.infof("Variant autoscaler deciding every %s for %s", config.interval(), index.byName().keySet());
    }

    void onStop(@Observes ShutdownEvent event) {
        ScheduledExecutorService w = worker;
        if (w != null) {
            w.shutdownNow();
        }
    }

    /** Reads the configured variants and actuators and starts observing; fails on a variant that cannot work. */
    synchronized void start() {
        Pools all = pools.get();
        TreeSet<String> names = new TreeSet<>(all.all().stream().map(Pool::name).toList());
        Map<String, ScaleActuator> byName = new TreeMap<>();
        for (ScaleActuator a : actuatorBeans) {
            if (byName.put(a.name(), a) != null) {
                throw new IllegalStateException("two scale actuators named " + a.name());
            }
        }
        actuators = byName;
        configured = ConfiguredVariants.read(config, names);
        for (VariantDefinition v : configured) {
            checkActuator(v);
        }
        engine = new VariantAutoscaler(engineConfig(configured));
        List<DecisionListener> found = new ArrayList<>();
        listenerBeans.forEach(found::add);
        listeners = List.copyOf(found);
        if (config.cloudEvents().url().isPresent() && listeners.isEmpty()) {
            // the runtime sent CloudEvents itself before they moved to their own module: fail rather than drop them
            throw new ConfigException(ConfiguredVariants.PREFIX, 0, "cloud-events.url", "is set but nothing sends"
                    + " CloudEvents: add the io.quarkiverse.llmd:quarkus-llmd-cloud-events dependency");
        }
        if (meterRegistry.isResolvable()) {
            meters = new AutoscalerMeters(meterRegistry.get(), tap);
        }
        index = new VariantIndex(configured);
        engine.setVariants(configured.stream().map(VariantDefinition::spec).toList());
        tap.activate(index, (pool, endpoint) -> {
            Pool p = all.named(pool);
            return p == null ? null : p.registry().snapshot().byName().get(endpoint);
        }, config.sampleBufferSize(), this::wake);
        lastCycleNanos = System.nanoTime();
    }

    private void checkActuator(VariantDefinition v) {
        if (v.actuator().isEmpty()) {
            return;
        }
        ScaleActuator a = actuators.get(v.actuator().get());
        if (a == null) {
            throw new ConfigException(v.source(), 0, "actuator", "no scale actuator named '" + v.actuator().get()
                    + "' is installed; available: " + actuators.keySet());
        }
        if (!a.supports(v.target())) {
            throw new ConfigException(v.source(), 0, "target", "actuator '" + a.name() + "' cannot scale "
                    + v.target());
        }
    }

    /** The engine's knobs: runtime settings, and per model the targets its variants declare. */
    AutoscalerConfig engineConfig(Collection<VariantDefinition> variants) {
        AutoscalerConfig c;
        try {
            c = AutoscalerConfig.defaults()
                    .withStabilization(config.stabilizationWindow(), config.scaleDownMargin())
                    .withScaleToZeroAfter(config.scaleToZeroAfter())
                    .withCalibration(new CalibrationConfig(config.calibrationMinSamples(),
                            CalibrationConfig.defaults().maxRelativeError(), CalibrationConfig.defaults().forgetting(),
                            CalibrationConfig.defaults().podSmoothing()));
            c = new AutoscalerConfig(new SloTargets(ConfiguredVariants.seconds(config.ttft()),
                    ConfiguredVariants.seconds(config.itl())), Map.of(), c.stabilizationWindow(), c.scaleDownMargin(),
                    c.scaleToZeroAfter(), c.coldStartHorizon(), c.queueToBatchRatio(), Map.of(), c.saturation(),
                    c.calibration(), config.trendWindow(), config.backlogDrainTime(), config.recurrencePeriod(),
                    config.recurringPeriods());
        } catch (IllegalArgumentException ex) {
            throw new ConfigException(ConfiguredVariants.PREFIX, 0, "", ex.getMessage());
        }
        Map<String, VariantDefinition> declaredBy = new HashMap<>();
        for (VariantDefinition v : variants) {
            if (v.targets().isEmpty()) {
                continue;
            }
            VariantDefinition first = declaredBy.putIfAbsent(v.model(), v);
            if (first != null && !first.targets().equals(v.targets())) {
                throw new ConfigException(v.source(), 0, "ttft/itl", "model " + v.model() + " has targets "
                        + first.targets().get() + " in " + first.source() + ": the variants of a model share them");
            }
            c = c.withTargets(v.model(), v.targets().get());
        }
        return c;
    }

    /**
     * Replaces the variants found by discovery (HPA and ScaledObject annotations). Configured variants keep their
     * names: a discovered variant of the same name is ignored with a warning.
     */
    public synchronized void discovered(Collection<VariantDefinition> variants) {
        if (engine == null) {
            return;
        }
        Set<String> taken = new HashSet<>();
        configured.forEach(v -> taken.add(v.name()));
        List<VariantDefinition> kept = new ArrayList<>();
        for (VariantDefinition v : variants) {
            if (!taken.add(v.name())) {
                LOG.warnf("%s: a variant named %s is already declared; ignored", v.source(), v.name());
                continue;
            }
            try {
                checkActuator(v);
            } catch (ConfigException ex) {
                LOG.warn(ex.getMessage() + "; ignored");
                continue;
            }
            kept.add(v);
        }
        discovered = List.copyOf(kept);
        List<VariantDefinition> all = new ArrayList<>(configured);
        all.addAll(discovered);
        index = new VariantIndex(all);
        engine.setVariants(all.stream().map(VariantDefinition::spec).toList());
        tap.variants(index);
        mixes.keySet().retainAll(index.models());
        lastDesired.keySet().retainAll(index.byName().keySet());
        failing.keySet().retainAll(index.byName().keySet());
        if (meters != null) {
            meters.retain(index.byName().keySet());
        }
    }

    /** The known variants, by name. */
    public synchronized Map<String, VariantDefinition> variants() {
        return index.byName();
    }

    /** A refused request found no endpoint: if its model is at zero, decide now rather than at the next tick. */
    private void wake(String model) {
        ScheduledExecutorService w = worker;
        if (w != null && modelsAtZero.contains(model) && wakePending.compareAndSet(false, true)) {
            w.execute(() -> {
                wakePending.set(false);
                safeCycle();
            });
        }
    }

    private void safeCycle() {
        try {
            cycle();
        } catch (RuntimeException e) {
            // a failed cycle must not cancel the schedule: the next one tries again
            LOG.error("autoscaler cycle failed", e);
        }
    }

    /**
     * Runs one decision pass over every model now, on the calling thread, and returns the decisions. The schedule
     * calls it every interval; tests and tools may call it directly.
     */
    public synchronized List<ScalingDecision> cycle() {
        if (engine == null) {
            throw new IllegalStateException("the autoscaler is not enabled (quarkus.llmd.autoscaler.enabled)");
        }
        long now = System.nanoTime();
        double window = Math.max(MIN_RATE_WINDOW_NANOS, now - lastCycleNanos) / 1e9;
        lastCycleNanos = now;
        cycles++;
        Map<String, double[]> tokens = new HashMap<>(); // model -> {prompt sum, output sum, count}
        tap.drain(c -> {
            engine.observe(c.variant(), c.sample());
            double[] t = tokens.computeIfAbsent(c.model(), m -> new double[3]);
            t[0] += c.sample().promptTokens();
            t[1] += c.sample().outputTokens();
            t[2]++;
        });
        Pools all = pools.get();
        Map<String, List<VariantObservation>> observations = observe(all);
        Map<String, Set<String>> poolsOfModel = new HashMap<>();
        for (VariantDefinition v : index.all()) {
            poolsOfModel.computeIfAbsent(v.model(), m -> new TreeSet<>()).add(v.pool());
        }
        List<ScalingDecision> decisions = new ArrayList<>();
        Set<String> atZero = new HashSet<>();
        String time = Instant.now().toString();
        for (String model : index.models()) {
            TokenMix mix = mix(model, tokens.get(model));
            int waiting = 0;
            for (String pool : poolsOfModel.get(model)) {
                Pool p = all.named(pool);
                // a pool's flow-control queue is not split by model: it counts for every model of the pool
                waiting += p == null ? 0 : p.pipeline().flowControlQueueSize();
            }
            double rate = tap.takeArrivals(model) / window;
            double queuedTokens = mix == null ? 0 : waiting * mix.promptTokens();
            ModelSnapshot snapshot = new ModelSnapshot(model, rate, mix, waiting, queuedTokens,
                    observations.getOrDefault(model, List.of()));
            List<ScalingDecision> made = engine.decide(snapshot, now);
            boolean zero = true;
            for (ScalingDecision d : made) {
                zero &= d.currentReplicas() == 0 && d.desiredReplicas() == 0;
                publish(d, time);
            }
            if (zero) {
                atZero.add(model);
            }
            decisions.addAll(made);
        }
        modelsAtZero = Set.copyOf(atZero);
        return decisions;
    }

    /** Each variant's replicas from its pool's endpoints; current replicas from the actuator when it knows them. */
    private Map<String, List<VariantObservation>> observe(Pools all) {
        Map<String, List<ReplicaMetrics>> replicas = new LinkedHashMap<>();
        for (VariantDefinition v : index.all()) {
            replicas.put(v.name(), new ArrayList<>());
        }
        for (String poolName : index.pools()) {
            Pool pool = all.named(poolName);
            if (pool == null) {
                continue;
            }
            List<Endpoint> endpoints = pool.registry().endpoints();
            double[] admission = pool.pipeline().admissionLimits(endpoints);
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint e = endpoints.get(i);
                VariantDefinition v = index.resolve(poolName, e);
                if (v != null) {
                    replicas.get(v.name()).add(replica(e, admission[i]));
                }
            }
        }
        Map<String, List<VariantObservation>> byModel = new HashMap<>();
        for (VariantDefinition v : index.all()) {
            List<ReplicaMetrics> r = replicas.get(v.name());
            int current = r.size();
            Optional<ScaleActuator> a = v.actuator().map(actuators::get);
            if (a.isPresent()) {
                OptionalInt asked = currentOf(a.get(), v);
                current = asked.orElse(current);
            }
            byModel.computeIfAbsent(v.model(), m -> new ArrayList<>())
                    .add(new VariantObservation(v.name(), Math.max(current, 0), r.size(), r));
        }
        return byModel;
    }

    private static OptionalInt currentOf(ScaleActuator a, VariantDefinition v) {
        try {
            return a.currentReplicas(v.target(), v);
        } catch (RuntimeException e) {
            LOG.warnf("%s: reading replicas of %s failed: %s", a.name(), v.target(), e.getMessage());
            return OptionalInt.empty();
        }
    }

    /**
     * One endpoint as a replica; endpoints in the registry serve, so each counts as ready. {@code admission}: the
     * most requests this gateway's saturation detector lets it hold, 0 when unbounded.
     */
    private static ReplicaMetrics replica(Endpoint e, double admission) {
        EndpointMetrics m = e.metrics();
        double kv = Double.isNaN(m.kvCacheUsage()) ? 0 : Math.max(0, Math.min(1, m.kvCacheUsage()));
        long capacity = m.kvCacheTokens();
        return new ReplicaMetrics(e.name(), true, Math.max(0, m.waitingQueueSize()),
                Math.max(0, m.runningRequestsSize()), kv, capacity, admission);
    }

    /** The model's token mix: this interval's mean blended half-and-half with the last one, so it follows drift. */
    private TokenMix mix(String model, double[] t) {
        TokenMix last = mixes.get(model);
        if (t == null || t[2] == 0) {
            return last;
        }
        TokenMix now = new TokenMix(t[0] / t[2], Math.max(1, t[1] / t[2]));
        TokenMix next = last == null ? now
                : new TokenMix((last.promptTokens() + now.promptTokens()) / 2,
                        (last.outputTokens() + now.outputTokens()) / 2);
        mixes.put(model, next);
        return next;
    }

    private void publish(ScalingDecision d, String time) {
        VariantDefinition v = index.byName().get(d.variant());
        AutoscalerDecisionLog.Actuated actuated = null;
        if (v.actuator().isPresent()) {
            ScaleActuator a = actuators.get(v.actuator().get());
            ScaleActuator.Actuation result;
            try {
                result = a.apply(v.target(), d, v);
            } catch (RuntimeException e) {
                result = new ScaleActuator.Actuation.Failed(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            reportActuation(v, a, d, result);
            actuated = new AutoscalerDecisionLog.Actuated(a.name(), v.target().toString(), result.outcome(),
                    result.detail());
        }
        if (meters != null) {
            meters.record(d, v.namespace());
            if (actuated != null) {
                meters.actuated(d.variant(), v.namespace(), actuated.actuator(), actuated.outcome());
            }
        }
        AutoscalerDecisionLog.Entry e = log.add(time, d, v.namespace(), actuated);
        for (DecisionListener listener : listeners) {
            try {
                listener.decided(e);
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "decision listener %s failed on %s/%s", listener.getClass().getName(), v.namespace(),
                        d.variant());
            }
        }
        Integer before = lastDesired.put(d.variant(), d.desiredReplicas());
        if (before == null || before != d.desiredReplicas()) {
            // once per change, not once per interval: without an actuator the same request repeats every cycle
            LOG.infof("%s/%s: %d -> %d replicas (%s: %s)", v.namespace(), d.variant(), d.currentReplicas(),
                    d.desiredReplicas(), e.reason(), e.summary());
        }
    }

    /**
     * Logs a failed actuation as an error when it starts or its cause changes, and its end; a failure that repeats
     * every interval (a deleted target, a missing permission) is logged once, and counted every time.
     */
    private void reportActuation(VariantDefinition v, ScaleActuator a, ScalingDecision d,
            ScaleActuator.Actuation result) {
        if (result instanceof ScaleActuator.Actuation.Failed) {
            String before = failing.put(v.name(), result.detail());
            if (!result.detail().equals(before)) {
                LOG.errorf("%s/%s: actuator %s could not scale %s to %d: %s (counted in"
                        + " llmd_autoscaler_actuations_total{outcome=\"failed\"}; retried every interval)",
                        v.namespace(), v.name(), a.name(), v.target(), d.desiredReplicas(), result.detail());
            } else {
                LOG.debugf("%s/%s: %s still failing: %s", v.namespace(), v.name(), a.name(), result.detail());
            }
        } else if (failing.remove(v.name()) != null) {
            LOG.infof("%s/%s: actuator %s scales %s again (%s)", v.namespace(), v.name(), a.name(), v.target(),
                    result.detail());
        }
    }

    AutoscalerDecisionLog decisionLog() {
        return log;
    }

    /** Decision passes run so far. */
    public synchronized long cycles() {
        return cycles;
    }

    boolean enabled() {
        return config.enabled();
    }
}
