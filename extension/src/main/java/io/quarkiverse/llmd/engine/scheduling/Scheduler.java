package io.quarkiverse.llmd.engine.scheduling;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointLifecycle;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseObserver;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileHandler;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;

/**
 * Runs a configured scheduler over candidate endpoints: data producers first, then the profile-handler loop
 * (reference scheduler-epp.md 3.2), then, once the caller commits to the decision, the pre-request hooks; the
 * response hooks follow the exchange. Thread-safe as long as its plugins are; it keeps no per-request state.
 */
public final class Scheduler {

    private final ProfileHandler profileHandler;
    private final Map<String, SchedulerProfile> profiles;
    private final List<DataProducer> producers;
    private final List<PreRequest> preRequestHooks;
    private final List<ResponseObserver> responseObservers;
    private final Map<String, Plugin> plugins;

    /**
     * @param producers data producers, already ordered so that each runs after the producers of what it consumes
     * @param plugins every plugin instance by name, for introspection
     */
    public Scheduler(ProfileHandler profileHandler, Map<String, SchedulerProfile> profiles, List<DataProducer> producers,
            List<PreRequest> preRequestHooks, List<ResponseObserver> responseObservers, Map<String, Plugin> plugins) {
        this.profileHandler = profileHandler;
        this.profiles = Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
        this.producers = List.copyOf(producers);
        this.preRequestHooks = List.copyOf(preRequestHooks);
        this.responseObservers = List.copyOf(responseObservers);
        this.plugins = Collections.unmodifiableMap(new LinkedHashMap<>(plugins));
    }

    /**
     * Chooses endpoints for the request in {@code context}. Never throws for lack of endpoints: a failed result
     * tells the caller to answer 429 (as llm-d does when every profile came back empty) or 503 when there were no
     * candidates to begin with.
     */
    public SchedulingResult schedule(SchedulingContext context, List<Endpoint> candidates) {
        if (candidates.isEmpty()) {
            return SchedulingResult.failed(Map.of());
        }
        for (int i = 0; i < producers.size(); i++) {
            producers.get(i).produce(context, candidates);
        }
        Map<String, ProfileRunResult> results = new LinkedHashMap<>(4);
        // Each profile runs at most once: a handler that asks for one again is ignored rather than looping forever.
        for (int round = 0; round <= profiles.size(); round++) {
            List<SchedulerProfile> next = profileHandler.pick(context, profiles, results);
            boolean ranAny = false;
            for (int i = 0; i < next.size(); i++) {
                SchedulerProfile profile = next.get(i);
                if (!results.containsKey(profile.name())) {
                    results.put(profile.name(), profile.run(context, candidates));
                    ranAny = true;
                }
            }
            if (!ranAny) {
                break;
            }
        }
        return profileHandler.processResults(context, results);
    }

    /** Runs the pre-request hooks for a successful decision the caller is about to act on. */
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        for (int i = 0; i < preRequestHooks.size(); i++) {
            preRequestHooks.get(i).preRequest(context, result);
        }
    }

    public void responseStarted(SchedulingContext context, Endpoint served) {
        for (int i = 0; i < responseObservers.size(); i++) {
            responseObservers.get(i).responseStarted(context, served);
        }
    }

    public void firstChunk(SchedulingContext context, Endpoint served) {
        for (int i = 0; i < responseObservers.size(); i++) {
            responseObservers.get(i).firstChunk(context, served);
        }
    }

    /** Ends the exchange; call exactly once per request that went through {@link #preRequest}. */
    public void responseComplete(SchedulingContext context, Endpoint served, ResponseOutcome outcome) {
        for (int i = 0; i < responseObservers.size(); i++) {
            responseObservers.get(i).responseComplete(context, served, outcome);
        }
    }

    /**
     * An endpoint left the pool: every plugin that keeps per-endpoint state ({@link EndpointLifecycle}) drops it.
     */
    public void endpointRemoved(String endpointName) {
        for (Plugin plugin : plugins.values()) {
            if (plugin instanceof EndpointLifecycle lifecycle) {
                lifecycle.endpointRemoved(endpointName);
            }
        }
    }

    public ProfileHandler profileHandler() {
        return profileHandler;
    }

    public Map<String, SchedulerProfile> profiles() {
        return profiles;
    }

    public Map<String, Plugin> plugins() {
        return plugins;
    }

    /** Plugins of a given kind, in configuration order. */
    public <T> List<T> pluginsOf(Class<T> kind) {
        List<T> found = new ArrayList<>();
        for (Plugin plugin : plugins.values()) {
            if (kind.isInstance(plugin)) {
                found.add(kind.cast(plugin));
            }
        }
        return found;
    }
}
