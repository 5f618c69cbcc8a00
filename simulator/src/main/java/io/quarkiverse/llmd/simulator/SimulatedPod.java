package io.quarkiverse.llmd.simulator;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkiverse.llmd.simulator.api.OutputPlanner;
import io.quarkiverse.llmd.simulator.api.RequestParser;
import io.quarkiverse.llmd.simulator.api.ServedModels;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.engine.EngineConfig;
import io.quarkiverse.llmd.simulator.engine.EngineCore;
import io.quarkiverse.llmd.simulator.engine.RealTimeDriver;
import io.quarkiverse.llmd.simulator.engine.StepResult;
import io.quarkiverse.llmd.simulator.http.PodServer;
import io.quarkiverse.llmd.simulator.http.PodState;
import io.quarkiverse.llmd.simulator.kvevents.KvEventSink;
import io.quarkiverse.llmd.simulator.metrics.VllmMetrics;
import io.quarkiverse.llmd.simulator.tokenizer.PseudoText;
import io.quarkiverse.llmd.simulator.tokenizer.Tokenizer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** One simulated vLLM pod: engine model, real-time driver, metrics and HTTP server on its own port. */
public final class SimulatedPod implements AutoCloseable {

    private final int index;
    private final SimulatorConfig config;
    private final EngineCore engine;
    private final RealTimeDriver driver;
    private final VllmMetrics metrics;
    private final ServedModels models;
    private final PodServer server;
    private final String engineId = UUID.randomUUID().toString();
    private volatile KvEventSink sink = KvEventSink.NONE;
    private volatile String runningLoras = "";
    private volatile String waitingLoras = "";

    SimulatedPod(int index, SimulatorConfig config, Vertx vertx, boolean emitKvEvents, Tokenizer tokenizer) {
        this.index = index;
        this.config = config;
        this.engine = new EngineCore(EngineConfig.from(config, emitKvEvents));
        this.models = new ServedModels(config.model(), config.loraModules());
        this.metrics = new VllmMetrics(config.model(), config.hardware().blockSize(), config.hardware().kvBlocks(),
                config.enablePrefixCaching(), config.maxLoras(), () -> gauges());
        this.driver = new RealTimeDriver(engine, config.timeScale(), this::onStep, "llmd-sim-engine-" + index);
        RequestParser parser = new RequestParser(models, tokenizer, config.maxModelLen());
        OutputPlanner planner = new OutputPlanner(config.maxModelLen(), config.eosProbability(),
                config.defaultMaxTokens(), PseudoText.forTokenizer(tokenizer));
        PodState state = new PodState(index, engineId, config, models, tokenizer, parser, planner,
                driver, metrics, new AtomicLong());
        this.server = new PodServer(state, vertx);
    }

    Future<?> listen(int port) {
        return server.listen(config.host(), port);
    }

    void sink(KvEventSink sink) {
        this.sink = sink;
    }

    /** Called on the driver thread after every step. */
    private void onStep(StepResult res, double simTime) {
        if (res.preemptions() > 0) {
            metrics.preemptions(res.preemptions());
        }
        if (res.promptTokensQueried() > 0) {
            metrics.prefixCache(res.promptTokensQueried(), res.promptTokensHit());
        }
        if (!res.kvEvents().isEmpty()) {
            sink.publish(System.currentTimeMillis() / 1000.0, res.kvEvents());
        }
        Set<String> run = engine.loraAdapters(true);
        Set<String> wait = engine.loraAdapters(false);
        runningLoras = run.isEmpty() ? "" : String.join(",", run);
        waitingLoras = wait.isEmpty() ? "" : String.join(",", wait);
    }

    private VllmMetrics.Gauges gauges() {
        return new VllmMetrics.Gauges() {
            @Override
            public int running() {
                return driver.numRunning();
            }

            @Override
            public int waiting() {
                return driver.numWaiting();
            }

            @Override
            public double kvCacheUsage() {
                return driver.kvCacheUsage();
            }

            @Override
            public String runningLoras() {
                return driver.numRunning() == 0 ? "" : runningLoras;
            }

            @Override
            public String waitingLoras() {
                return driver.numWaiting() == 0 ? "" : waitingLoras;
            }
        };
    }

    public int index() {
        return index;
    }

    /** The bound HTTP port. */
    public int port() {
        return server.actualPort();
    }

    /** {@code host:port} of this pod. */
    public String address() {
        return config.advertisedHost() + ":" + port();
    }

    /** Engine id reported to P/D decode pods as {@code remote_engine_id}. */
    public String engineId() {
        return engineId;
    }

    public VllmMetrics metrics() {
        return metrics;
    }

    public RealTimeDriver driver() {
        return driver;
    }

    public ServedModels models() {
        return models;
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        driver.close();
        if (sink instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }
}
