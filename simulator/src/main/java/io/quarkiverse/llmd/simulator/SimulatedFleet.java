package io.quarkiverse.llmd.simulator;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.tokenizer.Tokenizer;
import io.quarkiverse.llmd.simulator.tokenizer.Tokenizers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * N simulated vLLM pods in this JVM, on consecutive ports (or free ports when the base port is 0). The entry point
 * for embedding: tests, Dev Services and the cluster simulator call {@link #start(SimulatorConfig)} and
 * {@link #close()}.
 */
public final class SimulatedFleet implements AutoCloseable {

    private final List<SimulatedPod> pods;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final Tokenizer tokenizer;

    private SimulatedFleet(List<SimulatedPod> pods, Vertx vertx, boolean ownsVertx, Tokenizer tokenizer) {
        this.pods = List.copyOf(pods);
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.tokenizer = tokenizer;
    }

    /** Starts the fleet with its own Vert.x instance and no KV events (until the ZMQ publisher is wired). */
    public static SimulatedFleet start(SimulatorConfig config) {
        return start(config, KvEventSinkFactory.DEFAULT, null);
    }

    public static SimulatedFleet start(SimulatorConfig config, KvEventSinkFactory sinks) {
        return start(config, sinks, null);
    }

    /**
     * Starts every pod and waits until all listen.
     *
     * @param vertx the Vert.x instance to serve on, or null to create (and later close) one
     * @throws IllegalStateException if a port cannot be bound
     * @throws IllegalArgumentException if the configured tokenizer cannot be loaded
     */
    public static SimulatedFleet start(SimulatorConfig config, KvEventSinkFactory sinks, Vertx vertx) {
        // one tokenizer for all pods: a real model's tokenizer.json is megabytes of native tables
        Tokenizer tokenizer = Tokenizers.forPath(config.tokenizer());
        boolean owns = vertx == null;
        Vertx vx = owns ? Vertx.vertx(new VertxOptions().setPreferNativeTransport(false)) : vertx;
        boolean emit = sinks != KvEventSinkFactory.DEFAULT || config.kvEventsPort() > 0;
        List<SimulatedPod> pods = new ArrayList<>();
        try {
            List<Future<?>> listening = new ArrayList<>();
            for (int i = 0; i < config.replicas(); i++) {
                SimulatedPod pod = new SimulatedPod(i, config, vx, emit, tokenizer);
                pods.add(pod);
                listening.add(pod.listen(config.port() == 0 ? 0 : config.port() + i));
            }
            Future.all(listening).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (SimulatedPod pod : pods) {
                int zmq = config.kvEventsPort() > 0 ? config.kvEventsPort() + pod.index() : 0;
                pod.sink(sinks.create(config, pod.index(), config.advertisedHost(), pod.port(), zmq));
            }
        } catch (Exception e) {
            pods.forEach(SimulatedPod::close);
            if (owns) {
                vx.close();
            }
            closeQuietly(tokenizer);
            throw new IllegalStateException("could not start the simulated fleet: " + e.getMessage(), e);
        }
        return new SimulatedFleet(pods, vx, owns, tokenizer);
    }

    public List<SimulatedPod> pods() {
        return pods;
    }

    public SimulatedPod pod(int index) {
        return pods.get(index);
    }

    /** The tokenizer every pod uses. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** {@code host:port} of every pod, in pod order. */
    public List<String> addresses() {
        return pods.stream().map(SimulatedPod::address).toList();
    }

    /** {@code http://host:port} of every pod, in pod order. */
    public List<URI> baseUris() {
        return pods.stream().map(p -> URI.create("http://" + p.address())).toList();
    }

    @Override
    public void close() {
        pods.forEach(SimulatedPod::close);
        if (ownsVertx) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // shutting down anyway
            }
        }
        closeQuietly(tokenizer);
    }

    private static void closeQuietly(Tokenizer tokenizer) {
        if (tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }
}
