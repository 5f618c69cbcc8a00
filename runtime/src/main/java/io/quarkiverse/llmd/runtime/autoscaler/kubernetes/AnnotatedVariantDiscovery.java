package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.Pools;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerLoop;
import io.quarkiverse.llmd.runtime.autoscaler.AutoscalerRuntimeConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Lists annotated HPAs and ScaledObjects every {@code discovery.interval} on its own thread and hands the variants
 * found to the autoscaler loop. On with {@code quarkus.llmd.autoscaler.enabled} and
 * {@code quarkus.llmd.autoscaler.discovery.enabled}; a failed listing keeps the variants of the last good one.
 */
@Singleton
public class AnnotatedVariantDiscovery {

    private static final Logger LOG = Logger.getLogger(AnnotatedVariantDiscovery.class);

    private final AutoscalerRuntimeConfig config;
    private final AutoscalerLoop loop;
    private final Instance<KubernetesClient> clients;
    private final Instance<Pools> pools;
    private volatile ScheduledExecutorService worker;
    private Set<String> lastProblems = Set.of();

    @Inject
    public AnnotatedVariantDiscovery(AutoscalerRuntimeConfig config, AutoscalerLoop loop,
            Instance<KubernetesClient> clients, Instance<Pools> pools) {
        this.config = config;
        this.loop = loop;
        this.clients = clients;
        this.pools = pools;
    }

    // after the loop has started (it observes at the default priority)
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 500) StartupEvent event) {
        if (!config.enabled() || !config.discovery().enabled()) {
            return;
        }
        long period = Math.max(1000, config.discovery().interval().toMillis());
        ScheduledExecutorService w = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmd-autoscaler-discovery");
            t.setDaemon(true);
            return t;
        });
        worker = w;
        w.scheduleWithFixedDelay(this::safeScan, 0, period, TimeUnit.MILLISECONDS);
        LOG.infof("Variant discovery from HPA and ScaledObject annotations every %s in %s",
                config.discovery().interval(), config.discovery().namespaces().map(Object::toString)
                        .orElse("every namespace"));
    }

    void onStop(@Observes ShutdownEvent event) {
        ScheduledExecutorService w = worker;
        if (w != null) {
            w.shutdownNow();
        }
    }

    private void safeScan() {
        try {
            scan();
        } catch (RuntimeException e) {
            LOG.warnf("listing HPAs and ScaledObjects failed (the variants found before stay): %s", e.getMessage());
        }
    }

    /** One listing; the loop then knows exactly the variants found (besides the configured ones). */
    AnnotatedVariants.Found scan() {
        Pools all = pools.get();
        AnnotatedVariants.Found found = AnnotatedVariants.scan(clients.get(),
                config.discovery().namespaces().orElse(List.of()), model -> {
                    if (all.all().size() == 1) {
                        return all.all().get(0).name();
                    }
                    Pool p = all.forModel(model);
                    return p == null ? null : p.name();
                });
        Set<String> problems = Set.copyOf(found.problems());
        synchronized (this) {
            for (String p : problems) {
                if (!lastProblems.contains(p)) {
                    LOG.warn(p + "; skipped");
                }
            }
            lastProblems = problems;
        }
        loop.discovered(found.variants());
        return found;
    }
}
