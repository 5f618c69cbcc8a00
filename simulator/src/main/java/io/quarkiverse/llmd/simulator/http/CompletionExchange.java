package io.quarkiverse.llmd.simulator.http;

import io.quarkiverse.llmd.simulator.api.ApiException;
import io.quarkiverse.llmd.simulator.api.ParsedRequest;
import io.quarkiverse.llmd.simulator.api.ResponseWriter;
import io.quarkiverse.llmd.simulator.engine.RequestObserver;
import io.quarkiverse.llmd.simulator.engine.SimRequest;
import io.quarkiverse.llmd.simulator.metrics.VllmMetrics;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One completion in flight: receives engine progress on the driver thread, records latency metrics there, and
 * hands the writing to the request's Vert.x context (never blocking the driver, never touching the response from
 * another thread).
 */
final class CompletionExchange implements RequestObserver {

    private final PodState pod;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Context context;
    private final ParsedRequest parsed;
    private final SimRequest sim;
    private final ResponseWriter writer;
    private final boolean dropAfterFirstChunk;
    private double arrivalSim;
    // driver thread
    private int seenOutput;
    private double lastTokenSim;
    // context thread
    private int sent;
    private boolean started;
    private boolean done;

    CompletionExchange(PodState pod, HttpServerRequest request, Context context, ParsedRequest parsed, SimRequest sim,
            boolean dropAfterFirstChunk) {
        this.pod = pod;
        this.request = request;
        this.response = request.response();
        this.context = context;
        this.parsed = parsed;
        this.sim = sim;
        this.dropAfterFirstChunk = dropAfterFirstChunk;
        String id = (parsed.chat() ? "chatcmpl-" : "cmpl-") + sim.id();
        this.writer = new ResponseWriter(parsed.chat(), id, System.currentTimeMillis() / 1000, parsed.model());
    }

    /** Hooks client disconnects and hands the request to the engine; false when the queue is full. */
    boolean submit() {
        response.closeHandler(v -> {
            if (!done) {
                done = true;
                pod.driver().abort(sim);
            }
        });
        arrivalSim = pod.driver().simNow();
        double delay = parsed.doRemotePrefill() ? sim.promptTokens() * pod.config().kvTransferSecondsPerToken() : 0;
        sim.attach(this);
        return pod.driver().trySubmit(sim, pod.config().maxWaitingQueueLength(), delay);
    }

    @Override
    public void onTokens(SimRequest r, int numOutput, double simTime) {
        VllmMetrics m = pod.metrics();
        if (seenOutput == 0) {
            m.ttft(simTime - arrivalSim);
            m.promptTokens(r.promptTokens());
        } else {
            m.interTokenLatency(simTime - lastTokenSim);
        }
        m.generationTokens(numOutput - seenOutput);
        seenOutput = numOutput;
        lastTokenSim = simTime;
        if (parsed.stream()) {
            int upTo = Math.min(numOutput, r.maxOutputTokens() - 1); // the last token goes out with finish_reason
            int cached = r.cachedTokens();
            context.runOnContext(v -> writeTokens(upTo, cached));
        }
    }

    @Override
    public void onFinished(SimRequest r, String reason, int numOutput, double simTime) {
        pod.metrics().e2e(simTime - arrivalSim);
        pod.metrics().finished(reason);
        int cached = r.cachedTokens();
        int[] blocks = r.finalBlockIds();
        context.runOnContext(v -> finish(reason, numOutput, cached, blocks));
    }

    private String text(int from, int to) {
        return pod.tokenizer().decode(sim.output(), from, to);
    }

    private int promptTokens() {
        return sim.promptTokens();
    }

    private void writeTokens(int upTo, int cached) {
        if (done || upTo <= sent) {
            return;
        }
        startStream();
        StringBuilder sb = new StringBuilder();
        for (int i = sent; i < upTo; i++) {
            String chunk = writer.chunk(text(i, i + 1), null, promptTokens(), parsed.continuousUsage() ? i + 1 : -1,
                    cached);
            sb.append("data: ").append(chunk).append("\n\n");
        }
        sent = upTo;
        response.write(sb.toString());
        if (dropAfterFirstChunk) {
            done = true;
            pod.driver().abort(sim);
            request.connection().close();
        }
    }

    private void startStream() {
        if (!started) {
            started = true;
            response.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                    .putHeader("cache-control", "no-cache");
            if (parsed.chat()) {
                response.write("data: " + writer.roleChunk() + "\n\n");
            }
        }
    }

    private void finish(String reason, int numOutput, int cached, int[] blocks) {
        if (done) {
            return;
        }
        done = true;
        if ("error".equals(reason) && numOutput == 0) {
            ApiException e = new ApiException(500,
                    "the KV cache does not have sufficient capacity to store this request", null);
            if (started) {
                response.end("data: " + e.toJson() + "\n\ndata: [DONE]\n\n");
            } else {
                PodServer.sendError(response, e);
            }
            return;
        }
        if (!parsed.stream()) {
            String kv = parsed.doRemoteDecode() ? kvTransferParams(blocks) : null;
            response.putHeader("content-type", "application/json")
                    .end(writer.full(text(0, numOutput), reason, promptTokens(), numOutput, cached, kv));
            return;
        }
        startStream();
        StringBuilder sb = new StringBuilder();
        String last = sent < numOutput ? text(sent, numOutput) : "";
        sb.append("data: ").append(writer.chunk(last, reason, promptTokens(),
                parsed.continuousUsage() ? numOutput : -1, cached)).append("\n\n");
        if (parsed.includeUsage()) {
            sb.append("data: ").append(writer.usageChunk(promptTokens(), numOutput, cached)).append("\n\n");
        }
        sb.append("data: [DONE]\n\n");
        response.end(sb.toString());
    }

    private String kvTransferParams(int[] blocks) {
        StringBuilder sb = new StringBuilder(160 + blocks.length * 6);
        sb.append("{\"do_remote_decode\":false,\"do_remote_prefill\":true,\"remote_engine_id\":\"")
                .append(pod.engineId()).append("\",\"remote_block_ids\":[");
        for (int i = 0; i < blocks.length; i++) {
            sb.append(i == 0 ? "" : ",").append(blocks[i]);
        }
        sb.append("],\"remote_host\":\"").append(pod.config().advertisedHost()).append("\",\"remote_port\":")
                .append(request.localAddress().port())
                .append(",\"tp_size\":1}");
        return sb.toString();
    }
}
