package io.quarkiverse.llmd.deployment.devservices;

import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkiverse.llmd.runtime.config.LlmdBuildTimeConfig;
import io.quarkiverse.llmd.runtime.embedded.EmbeddedFleet;
import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.BuildSteps;
import io.quarkus.deployment.builditem.CuratedApplicationShutdownBuildItem;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem.RunningDevService;
import io.quarkus.deployment.dev.devservices.DevServicesConfig;

/**
 * Dev Services: in dev and test mode, when the application configures no {@code quarkus.llmd.endpoints}, starts a
 * simulated vLLM fleet in this JVM (no containers) and points the endpoints at it. The fleet survives live reloads
 * while its settings do not change, and stops with the application.
 */
@BuildSteps(onlyIfNot = IsNormal.class, onlyIf = DevServicesConfig.Enabled.class)
public class SimulatorDevServicesProcessor {

    private static final Logger LOG = Logger.getLogger(SimulatorDevServicesProcessor.class);

    static final String SERVICE_NAME = "llmd-simulator";
    static final String ENDPOINTS_PREFIX = "quarkus.llmd.endpoints.";

    static volatile RunningDevService devService;
    static volatile EmbeddedFleet.Settings runningSettings;
    static volatile boolean closeTaskRegistered;

    @BuildStep
    DevServicesResultBuildItem startSimulatedFleet(LlmdBuildTimeConfig config,
            CuratedApplicationShutdownBuildItem shutdown) {
        LlmdBuildTimeConfig.DevServicesConfig ds = config.devservices();
        if (!ds.enabled() || endpointsConfigured()) {
            stop();
            if (ds.enabled()) {
                LOG.debug("Dev Services for llm-d not started: quarkus.llmd.endpoints are configured");
            }
            return null;
        }
        EmbeddedFleet.Settings settings = new EmbeddedFleet.Settings(ds.model(), ds.profiles(), ds.replicas(),
                ds.timeScale(), "127.0.0.1");
        if (devService != null) {
            if (settings.equals(runningSettings)) {
                return devService.toBuildItem();
            }
            stop();
        }
        EmbeddedFleet fleet = EmbeddedFleet.start(settings);
        Map<String, String> overrides = fleet.endpointConfig();
        devService = new RunningDevService(SERVICE_NAME, null, fleet::close, overrides);
        runningSettings = settings;
        LOG.infof("Dev Services for llm-d started %d simulated vLLM pods serving %s:%s", fleet.members().size(),
                settings.model(), fleet.describe());
        if (!closeTaskRegistered) {
            closeTaskRegistered = true;
            shutdown.addCloseTask(() -> {
                stop();
                closeTaskRegistered = false;
            }, true);
        }
        return devService.toBuildItem();
    }

    /** Whether the user configured any static endpoint (then Dev Services keep out of the way). */
    static boolean endpointsConfigured() {
        for (String name : ConfigProvider.getConfig().getPropertyNames()) {
            if (name.startsWith(ENDPOINTS_PREFIX)) {
                return true;
            }
        }
        return false;
    }

    private static void stop() {
        RunningDevService running = devService;
        devService = null;
        runningSettings = null;
        if (running != null) {
            try {
                running.close();
            } catch (Exception e) {
                LOG.debug("stopping the simulated fleet failed", e);
            }
        }
    }
}
