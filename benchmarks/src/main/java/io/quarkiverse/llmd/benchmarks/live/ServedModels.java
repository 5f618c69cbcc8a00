package io.quarkiverse.llmd.benchmarks.live;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The models an OpenAI-compatible target serves ({@code GET /v1/models}), asked once before a live run: a workload
 * names its model ({@code server.model_name}, or a default), and a target that does not serve it answers every
 * request with 404, which would make the whole run a list of failures instead of a measurement.
 */
final class ServedModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The model a run sends: the requested one when served, else a served one; {@code note} says what changed. */
    record Choice(String model, String note) {
    }

    private ServedModels() {
    }

    /**
     * The ids listed by {@code base/v1/models}, in the order the target gives them.
     *
     * @throws IOException when the target cannot be reached or does not answer 200 with an OpenAI model list
     */
    static List<String> fetch(URI base, Duration timeout) throws IOException {
        String path = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
        URI uri = base.resolve(path + "/v1/models");
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpResponse<String> resp;
        try {
            resp = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + uri, e);
        } catch (IOException e) {
            throw new IOException("cannot reach " + uri + " (" + describe(e) + ")", e);
        }
        if (resp.statusCode() != 200) {
            throw new IOException(uri + " answered HTTP " + resp.statusCode());
        }
        JsonNode data = JSON.readTree(resp.body()).path("data");
        if (!data.isArray()) {
            throw new IOException(uri + " did not answer an OpenAI model list (no \"data\" array)");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode m : data) {
            String id = m.path("id").asText("");
            if (!id.isEmpty()) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Decides the model of the run.
     *
     * @param requested the workload's model (or {@code --model})
     * @param explicit whether the user named it with {@code --model}: then a model the target does not serve is an
     *        error, not something to replace behind their back
     * @param served what the target lists
     * @param target the target, for messages
     * @throws IllegalArgumentException when no served model can stand in
     */
    static Choice choose(String requested, boolean explicit, List<String> served, String target) {
        if (served.contains(requested)) {
            return new Choice(requested, null);
        }
        if (served.isEmpty()) {
            throw new IllegalArgumentException(target + " serves no model (its /v1/models list is empty)");
        }
        if (explicit) {
            throw new IllegalArgumentException("--model " + requested + " is not served by " + target
                    + "; it serves: " + String.join(", ", served));
        }
        return new Choice(served.get(0), "the workload's model " + requested + " is not served by " + target
                + " (it serves: " + String.join(", ", served) + "); sending " + served.get(0)
                + " instead (--model M to choose)");
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
