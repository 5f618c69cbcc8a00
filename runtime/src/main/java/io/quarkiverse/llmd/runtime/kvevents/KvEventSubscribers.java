package io.quarkiverse.llmd.runtime.kvevents;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventConsumer;
import io.quarkiverse.llmd.engine.framework.datalayer.KvEventSettings;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts a KV-event subscriber for every {@link KvEventConsumer} plugin ({@code precise-prefix-cache-producer}, or
 * the deprecated {@code precise-prefix-cache-scorer}) in every pool's EndpointPickerConfig, feeding that plugin's index from the
 * pool's pods, and stops them at shutdown. Pools added or reconfigured at runtime are started and stopped through
 * {@link #start(Pool)} and {@link #stop(String)}. Each subscriber runs on its own daemon threads (one for the sockets,
 * {@code kvEventsConfig.concurrency} for the index writes), never on a Vert.x event loop.
 */
@Singleton
public class KvEventSubscribers {

    private static final Logger LOG = Logger.getLogger(KvEventSubscribers.class);

    /** A running subscription: the plugin it feeds and its counts. */
    public static final class Subscription {
        private final String pool;
        private final KvEventConsumer consumer;
        private final KvEventSubscriber subscriber;
        private final KvEventMetrics metrics;

        Subscription(String pool, KvEventConsumer consumer, KvEventSubscriber subscriber,
                KvEventMetrics metrics) {
            this.pool = pool;
            this.consumer = consumer;
            this.subscriber = subscriber;
            this.metrics = metrics;
        }

        public String pool() {
            return pool;
        }

        /** The plugin whose index this subscription feeds. */
        public KvEventConsumer consumer() {
            return consumer;
        }

        /** The counts so far. */
        public KvEventStats stats() {
            return metrics.stats();
        }

        /** Whether the endpoints are connected to one by one (false: one bound socket). */
        public boolean perPod() {
            return !subscriber.centralized();
        }

        /** The bound address in centralized mode (resolved wildcard port), or null. */
        public String boundEndpoint() {
            return subscriber.boundEndpoint();
        }

        void close() {
            subscriber.close();
            metrics.close();
        }
    }

    private final Pools pools;
    private final Instance<MeterRegistry> meters;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

    @Inject
    public KvEventSubscribers(Pools pools, Instance<MeterRegistry> meters) {
        this.pools = pools;
        this.meters = meters;
    }

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() {
        for (Pool pool : pools.all()) {
            start(pool);
        }
    }

    /**
     * Starts the subscriptions of one pool's KV-event plugins (a pool added or reconfigured at runtime; call
     * {@link #stop(String)} first for a reconfigured one).
     *
     * @throws ConfigException when a plugin's kvEventsConfig cannot be honoured (nothing of this pool is started)
     */
    public synchronized void start(Pool pool) {
        check(pool);
        MeterRegistry registry = meters.isResolvable() ? meters.get() : null;
        for (Plugin plugin : pool.scheduler().plugins().values()) {
            KvEventConsumer consumer = consumerOf(plugin);
            if (consumer == null) {
                continue;
            }
            KvEventSettings config = consumer.kvEventSettings();
            String key = pool.name() + "/" + consumer.typedName().name();
            KvEventMetrics metrics = new KvEventMetrics(registry, pool.name(), consumer.index());
            IngestionShards shards = new IngestionShards(pool.name(), config.concurrency(), 4096,
                    consumer.index(), consumer::newIngestor, metrics,
                    () -> System.currentTimeMillis() / 1000.0);
            KvEventSubscriber subscriber = new KvEventSubscriber(pool.name(), config, pool.registry(), shards,
                    metrics, KvEventSubscriber.Settings.DEFAULTS);
            subscriber.start();
            subscriptions.put(key, new Subscription(pool.name(), consumer, subscriber, metrics));
            LOG.infof("pool %s: %s fed by KV events %s", pool.name(), consumer.typedName().name(),
                    config.discoverPods()
                            ? "from each endpoint on port " + config.socketPort()
                                    + (config.replaySocketPort() > 0
                                            ? " (replay port " + config.replaySocketPort() + ")"
                                            : "")
                            : "published to " + config.zmqEndpoint());
        }
    }

    /** Stops one pool's subscriptions and removes their series (the pool was removed or is being reconfigured). */
    public synchronized void stop(String pool) {
        subscriptions.values().removeIf(s -> {
            if (!s.pool.equals(pool)) {
                return false;
            }
            s.close();
            return true;
        });
    }

    /**
     * Refuses a pool whose KV-event plugins could not be subscribed to, before anything of it starts.
     *
     * @throws ConfigException naming the pool, the plugin and the field
     */
    public void check(Pool pool) {
        for (Plugin plugin : pool.scheduler().plugins().values()) {
            KvEventConsumer consumer = consumerOf(plugin);
            if (consumer != null) {
                check(pool.name(), consumer.typedName().name(), consumer.kvEventSettings());
            }
        }
    }

    private static KvEventConsumer consumerOf(Plugin plugin) {
        return plugin instanceof KvEventConsumer c ? c : null;
    }

    private static void check(String pool, String plugin, KvEventSettings config) {
        if (!config.discoverPods() && config.zmqEndpoint().isBlank()) {
            throw new ConfigException("pool " + pool, 0, plugin + ".kvEventsConfig.zmqEndpoint",
                    "with discoverPods: false the pods publish to one socket this gateway binds: set zmqEndpoint"
                            + " (for example tcp://*:5557), or set discoverPods: true");
        }
        if (!"vllm".equals(config.engineType())) {
            throw new ConfigException("pool " + pool, 0, plugin + ".kvEventsConfig.engineType",
                    "only vLLM's KV events are supported (engineType: vllm), got " + config.engineType());
        }
    }

    synchronized void stop() {
        for (Subscription s : subscriptions.values()) {
            s.close();
        }
        subscriptions.clear();
    }

    /** The subscriptions by {@code <pool>/<plugin name>}. */
    public synchronized Map<String, Subscription> subscriptions() {
        return Map.copyOf(subscriptions);
    }

    /** The subscription of a pool's plugin, if it runs. */
    public synchronized Optional<Subscription> subscription(String pool, String plugin) {
        return Optional.ofNullable(subscriptions.get(pool + "/" + plugin));
    }
}
