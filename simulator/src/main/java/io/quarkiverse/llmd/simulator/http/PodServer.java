package io.quarkiverse.llmd.simulator.http;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkiverse.llmd.simulator.api.ApiException;
import io.quarkiverse.llmd.simulator.api.Json;
import io.quarkiverse.llmd.simulator.api.OutputPlanner;
import io.quarkiverse.llmd.simulator.api.ParsedRequest;
import io.quarkiverse.llmd.simulator.api.RequestParser;
import io.quarkiverse.llmd.simulator.config.FailureConfig;
import io.quarkiverse.llmd.simulator.engine.SimRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The HTTP face of one simulated pod: vLLM's OpenAI routes, /tokenize, /detokenize, /health, /metrics and the LoRA
 * admin routes, on plain Vert.x core. Handlers run on the event loop and only parse, validate and enqueue; the
 * engine runs on the pod's driver thread.
 */
public final class PodServer {

    private final PodState pod;
    private final Vertx vertx;
    private HttpServer server;

    public PodServer(PodState pod, Vertx vertx) {
        this.pod = pod;
        this.vertx = vertx;
    }

    public Future<HttpServer> listen(String host, int port) {
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setIdleTimeout(0)
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16384);
        server = vertx.createHttpServer(options).requestHandler(this::handle);
        return server.listen();
    }

    public int actualPort() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void handle(HttpServerRequest req) {
        try {
            route(req);
        } catch (ApiException e) {
            sendError(req.response(), e);
        } catch (RuntimeException e) {
            sendError(req.response(), new ApiException(500, "Internal simulator error: " + e, null));
        }
    }

    private void route(HttpServerRequest req) {
        String path = req.path();
        switch (path) {
            case "/v1/completions":
                post(req, body -> completion(req, body, false));
                break;
            case "/v1/chat/completions":
                post(req, body -> completion(req, body, true));
                break;
            case "/v1/completions/render":
                post(req, body -> render(req, body, false));
                break;
            case "/v1/chat/completions/render":
                post(req, body -> render(req, body, true));
                break;
            case "/tokenize":
                post(req, body -> tokenize(req, body));
                break;
            case "/detokenize":
                post(req, body -> detokenize(req, body));
                break;
            case "/v1/load_lora_adapter":
                post(req, body -> loadLora(req, body, true));
                break;
            case "/v1/unload_lora_adapter":
                post(req, body -> loadLora(req, body, false));
                break;
            case "/v1/models":
                get(req, () -> req.response().putHeader("content-type", "application/json").end(models()));
                break;
            case "/health":
                get(req, () -> req.response().end());
                break;
            case "/metrics":
                get(req, () -> metrics(req));
                break;
            default:
                throw new ApiException(404, "Not Found: " + path, null);
        }
    }

    private void get(HttpServerRequest req, Runnable handler) {
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            throw new ApiException(405, "Method Not Allowed", null);
        }
        handler.run();
    }

    /** A refused body up to this size is read and dropped so that the client sees the 413; larger ones are cut. */
    private static final long DRAIN_LIMIT = 64L * 1024 * 1024;
    private static final long DRAIN_TIMEOUT_MS = 5_000;

    /** Reads a bounded JSON body, then runs the handler with the parsed tree. */
    private void post(HttpServerRequest req, Consumer<JsonNode> handler) {
        if (req.method() != HttpMethod.POST) {
            throw new ApiException(405, "Method Not Allowed", null);
        }
        int max = pod.config().maxBodyBytes();
        String length = req.getHeader("content-length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Invalid Content-Length");
            }
            if (n > max) {
                refuseTooLarge(req, max);
                if (n <= DRAIN_LIMIT) {
                    req.handler(ignored -> {
                    });
                    req.endHandler(v -> req.connection().close());
                } else {
                    req.connection().close(); // too much to drain: the client may see a reset instead of the 413
                }
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = { false };
        req.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                refused[0] = true;
                refuseTooLarge(req, max);
            } else {
                body.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(t -> refused[0] = true);
        req.endHandler(v -> {
            if (refused[0]) {
                req.connection().close(); // the 413 is out and the client has finished sending
                return;
            }
            try {
                JsonNode tree;
                try {
                    tree = body.length() == 0 ? null : Json.MAPPER.readTree(body.getBytes());
                } catch (java.io.IOException e) {
                    throw ApiException.badRequest("JSON decode error: " + firstLine(e.getMessage()));
                }
                handler.accept(tree);
            } catch (ApiException e) {
                sendError(req.response(), e);
            } catch (RuntimeException e) {
                sendError(req.response(), new ApiException(500, "Internal simulator error: " + e, null));
            }
        });
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid JSON";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void refuseTooLarge(HttpServerRequest req, int max) {
        HttpServerResponse resp = req.response();
        if (resp.ended()) {
            return;
        }
        // Closing at once while the client still sends would make the kernel reset the connection, and the client
        // might never read the 413: the caller drains the rest of the body (bounded) and closes at its end, and a
        // timer closes a client that stops sending.
        resp.setStatusCode(413).putHeader("content-type", "application/json").putHeader("connection", "close")
                .end(ApiException.json(413, "Request body is larger than " + max + " bytes.", null));
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        if (context != null) {
            context.owner().setTimer(DRAIN_TIMEOUT_MS, t -> req.connection().close());
        }
    }

    static void sendError(HttpServerResponse resp, ApiException e) {
        if (resp.ended() || resp.closed() || resp.headWritten()) {
            return;
        }
        resp.setStatusCode(e.status()).putHeader("content-type", "application/json").end(e.toJson());
    }

    private void completion(HttpServerRequest req, JsonNode body, boolean chat) {
        RequestParser parser = pod.parser();
        ParsedRequest parsed = parser.parse(body, chat);
        FailureConfig f = pod.config().failures();
        FailureConfig.Kind failure = null;
        if (f.rate() > 0 && ThreadLocalRandom.current().nextDouble() < f.rate()) {
            FailureConfig.Kind[] kinds = f.kinds().toArray(new FailureConfig.Kind[0]);
            failure = kinds[ThreadLocalRandom.current().nextInt(kinds.length)];
        }
        if (failure == FailureConfig.Kind.SERVER_ERROR) {
            throw new ApiException(503, "The server is overloaded or not ready yet.", null);
        }
        if (failure == FailureConfig.Kind.DROP_CONNECTION && !parsed.stream()) {
            req.connection().close();
            return;
        }
        long n = pod.requestCounter().incrementAndGet();
        long seed = parsed.seed() != null ? parsed.seed() : pod.config().seed() * 1_000_003L + n * 7919L + pod.index();
        OutputPlanner.Plan plan = pod.planner().plan(parsed, seed);
        String requestId = req.getHeader("x-request-id");
        String id = requestId != null && !requestId.isBlank() && requestId.length() <= 128 ? requestId
                : Long.toHexString(pod.index()) + "-" + Long.toHexString(n) + "-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        if (requestId != null) {
            req.response().putHeader("x-request-id", requestId); // vLLM echoes it for tracing
        }
        SimRequest sim = new SimRequest(id, parsed.promptTokens(), plan.tokens(), plan.finishReason(),
                parsed.loraName(), parsed.cacheSalt(), parsed.doRemotePrefill());
        Context ctx = vertx.getOrCreateContext();
        CompletionExchange ex = new CompletionExchange(pod, req, ctx, parsed, sim,
                failure == FailureConfig.Kind.DROP_CONNECTION);
        Runnable go = () -> {
            if (!ex.submit()) {
                sendError(req.response(), new ApiException(429,
                        "Failed to enqueue request, waiting requests queue is full", null));
            }
        };
        if (failure == FailureConfig.Kind.SLOW_FIRST_BYTE) {
            vertx.setTimer(Math.max(1, f.slowFirstByteMillis()), t -> go.run());
        } else {
            go.run();
        }
    }

    private void tokenize(HttpServerRequest req, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("The request body must be a JSON object.");
        }
        if (body.hasNonNull("model") && body.get("model").isTextual()) {
            pod.models().resolveLora(body.get("model").asText());
        }
        int[] ids;
        if (body.has("messages")) {
            ids = pod.tokenizer().encode(RequestParser.renderChat(body.get("messages"),
                    !body.has("add_generation_prompt") || body.get("add_generation_prompt").asBoolean(true)));
        } else if (body.path("prompt").isTextual()) {
            ids = pod.tokenizer().encode(body.get("prompt").asText());
        } else {
            throw ApiException.badRequest("prompt: Input should be a valid string", "prompt");
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("count", ids.length).put("max_model_len", pod.config().maxModelLen());
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) {
            tokens.add(id);
        }
        if (body.path("return_token_strs").asBoolean(false)) {
            ArrayNode strs = out.putArray("token_strs");
            for (int id : ids) {
                strs.add(pod.tokenizer().tokenString(id));
            }
        } else {
            out.putNull("token_strs");
        }
        req.response().putHeader("content-type", "application/json").end(out.toString());
    }

    /**
     * vLLM's render endpoints (the tokenizer service llm-d's {@code token-producer} calls): the prompt as the
     * token-in request vLLM would run, without generating. Completions answer a list (one entry per prompt; the
     * simulator takes one), chat a single object.
     */
    private void render(HttpServerRequest req, JsonNode body, boolean chat) {
        int[] ids = pod.parser().renderPrompt(body, chat);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("request_id", (chat ? "chatcmpl-" : "cmpl-") + java.util.UUID.randomUUID().toString()
                .replace("-", ""));
        ArrayNode tokens = out.putArray("token_ids");
        for (int id : ids) {
            tokens.add(id);
        }
        ObjectNode sampling = out.putObject("sampling_params");
        for (String field : new String[] { "max_tokens", "max_completion_tokens", "temperature", "top_p",
                "presence_penalty", "frequency_penalty", "seed" }) {
            JsonNode v = body.get(field);
            if (v != null && v.isNumber()) {
                sampling.set(field.equals("max_completion_tokens") ? "max_tokens" : field, v);
            }
        }
        out.put("model", body.path("model").isTextual() ? body.get("model").asText() : pod.models().baseModel());
        out.put("stream", body.path("stream").asBoolean(false));
        if (body.path("stream_options").isObject()) {
            out.set("stream_options", body.get("stream_options"));
        }
        out.putNull("token_offsets");
        String json = chat ? out.toString() : Json.MAPPER.createArrayNode().add(out).toString();
        req.response().putHeader("content-type", "application/json").end(json);
    }

    private void detokenize(HttpServerRequest req, JsonNode body) {
        if (body == null || !body.isObject() || !body.path("tokens").isArray()) {
            throw ApiException.badRequest("tokens: Input should be a valid list", "tokens");
        }
        int[] ids = RequestParser.tokenIds(body.get("tokens"), pod.tokenizer().vocabSize());
        ObjectNode out = Json.MAPPER.createObjectNode().put("prompt", pod.tokenizer().decode(ids));
        req.response().putHeader("content-type", "application/json").end(out.toString());
    }

    private void loadLora(HttpServerRequest req, JsonNode body, boolean load) {
        if (body == null || !body.isObject() || !body.path("lora_name").isTextual()
                || body.get("lora_name").asText().isEmpty()) {
            throw ApiException.badRequest("lora_name: Field required", "lora_name");
        }
        String name = body.get("lora_name").asText();
        if (load) {
            if (!body.path("lora_path").isTextual()) {
                throw ApiException.badRequest("lora_path: Field required", "lora_path");
            }
            if (!pod.models().load(name, body.get("lora_path").asText())) {
                throw ApiException.badRequest("The lora adapter '" + name + "' has already been loaded.",
                        "lora_name");
            }
            req.response().putHeader("content-type", "text/plain")
                    .end("Success: LoRA adapter '" + name + "' added successfully.");
        } else {
            if (!pod.models().unload(name)) {
                throw new ApiException(404, "The lora adapter '" + name + "' cannot be found.", "lora_name");
            }
            req.response().putHeader("content-type", "text/plain")
                    .end("Success: LoRA adapter '" + name + "' removed successfully.");
        }
    }

    private String models() {
        ObjectNode out = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        String base = pod.models().baseModel();
        model(data, base, base, null);
        for (Map.Entry<String, String> l : pod.models().loras()) {
            model(data, l.getKey(), l.getValue(), base);
        }
        return out.toString();
    }

    private void model(ArrayNode data, String id, String root, String parent) {
        ObjectNode m = data.addObject().put("id", id).put("object", "model").put("created", pod.models().created())
                .put("owned_by", "vllm").put("root", root);
        if (parent == null) {
            m.putNull("parent");
        } else {
            m.put("parent", parent);
        }
        m.put("max_model_len", pod.config().maxModelLen());
        m.putArray("permission").addObject().put("id", "modelperm-" + Integer.toHexString(id.hashCode()))
                .put("object", "model_permission").put("created", pod.models().created())
                .put("allow_create_engine", false).put("allow_sampling", true).put("allow_logprobs", true)
                .put("allow_search_indices", false).put("allow_view", true).put("allow_fine_tuning", false)
                .put("organization", "*").putNull("group").put("is_blocking", false);
    }

    private void metrics(HttpServerRequest req) {
        long stall = pod.config().failures().metricsStallMillis();
        if (stall < 0) {
            return; // never answers: a hung pod, for scraper timeout tests
        }
        Runnable answer = () -> {
            if (!req.response().closed()) {
                req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(pod.metrics().render());
            }
        };
        if (stall > 0) {
            vertx.setTimer(stall, t -> answer.run());
        } else {
            answer.run();
        }
    }
}
