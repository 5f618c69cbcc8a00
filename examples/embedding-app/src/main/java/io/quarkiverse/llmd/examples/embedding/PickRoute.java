package io.quarkiverse.llmd.examples.embedding;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.request.InvalidRequestException;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /pick}: the scheduler only. The body is an OpenAI request; the answer names the pod the scheduler
 * picks for it, and nothing is forwarded. An application that sends the request itself (its own client, its own
 * protocol) uses the scheduler this way.
 */
@ApplicationScoped
public class PickRoute {

    // tag::inject[]
    @Inject
    Scheduler scheduler;

    @Inject
    EndpointRegistry endpoints;
    // end::inject[]

    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    void register(@Observes Router router) {
        router.post("/pick").handler(BodyHandler.create().setBodyLimit(4 << 20)).handler(this::pick);
    }

    private void pick(RoutingContext rc) {
        byte[] body = rc.body().buffer() == null ? new byte[0] : rc.body().buffer().getBytes();
        JsonObject answer;
        try {
            answer = pick(body);
        } catch (InvalidRequestException e) {
            rc.response().setStatusCode(400).putHeader("content-type", "application/json")
                    .end(new JsonObject().put("error", e.getMessage()).encode());
            return;
        }
        rc.response().setStatusCode(answer.containsKey("endpoint") ? 200 : 503)
                .putHeader("content-type", "application/json").end(answer.encode());
    }

    // tag::schedule[]
    /** The pod the scheduler picks for an OpenAI {@code /v1/chat/completions} body, and every candidate's score. */
    JsonObject pick(byte[] body) {
        SchedulingContext context = new SchedulingContext(
                parser.parse("/v1/chat/completions", Map.of(), body), Instant.now(), ThreadLocalRandom.current());
        List<Endpoint> pool = endpoints.endpoints();
        SchedulingResult result = scheduler.schedule(context, pool);
        if (!result.succeeded()) {
            return new JsonObject().put("error", "no endpoint can serve this request").put("pool", pool.size());
        }
        Endpoint picked = result.targets().get(0).endpoint();
        return new JsonObject().put("endpoint", picked.name()).put("address", picked.address())
                .put("score", result.targets().get(0).score());
    }
    // end::schedule[]
}
