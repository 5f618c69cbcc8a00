package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /q/llmd/autoscaler/decisions}: the recent decisions as JSON, oldest first, optionally of one variant
 * ({@code ?variant=}) and at most {@code ?limit=} of them. {@code GET /q/llmd/autoscaler/variants}: the known
 * variants. Served only while the autoscaler is enabled.
 */
@Singleton
public class AutoscalerRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AutoscalerLoop loop;

    public AutoscalerRoutes(AutoscalerLoop loop) {
        this.loop = loop;
    }

    void routes(@Observes Router router) {
        if (!loop.enabled()) {
            return;
        }
        String base = nonApplicationRoot() + "/llmd/autoscaler";
        router.get(base + "/decisions").handler(this::decisions);
        router.get(base + "/variants").handler(this::variants);
    }

    /** Quarkus's non-application root ({@code /q} by default), where tools' endpoints live. */
    static String nonApplicationRoot() {
        String path = ConfigProvider.getConfig().getOptionalValue("quarkus.http.non-application-root-path",
                String.class).orElse("q");
        path = path.startsWith("/") ? path : "/" + path;
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private void decisions(RoutingContext ctx) {
        AutoscalerDecisionLog log = loop.decisionLog();
        String variant = ctx.request().getParam("variant");
        String limitParam = ctx.request().getParam("limit");
        int limit = log.capacity();
        if (limitParam != null) {
            try {
                limit = Integer.parseInt(limitParam);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1) {
                error(ctx.response(), 400, "limit must be a positive integer, got '" + limitParam + "'");
                return;
            }
        }
        List<AutoscalerDecisionLog.Entry> entries = log.recent(variant, limit);
        send(ctx.response(), Map.of("capacity", log.capacity(), "decisions", entries));
    }

    private void variants(RoutingContext ctx) {
        send(ctx.response(), Map.of("variants", loop.variants().values().stream().map(v -> Map.of(
                "name", v.name(), "namespace", v.namespace(), "model", v.model(), "pool", v.pool(),
                "accelerator", v.spec().hardwareClass(), "role", v.spec().role().label(),
                "minReplicas", v.spec().minReplicas(), "maxReplicas", v.spec().maxReplicas(),
                "cost", v.spec().costPerReplicaHour(),
                "actuator", v.actuator().orElse(""))).toList()));
    }

    private static void send(HttpServerResponse response, Object body) {
        try {
            response.putHeader("content-type", "application/json").end(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            error(response, 500, "could not write JSON: " + e.getOriginalMessage());
        }
    }

    private static void error(HttpServerResponse response, int status, String message) {
        response.setStatusCode(status).putHeader("content-type", "application/json")
                .end("{\"error\":" + quote(message) + "}");
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            return "\"\"";
        }
    }
}
