package io.quarkiverse.llmd.engine.kvcache;

import java.nio.charset.StandardCharsets;

/**
 * The topic frame of a KV-event message, {@code kv@<pod-id>@<model>} (reference kvcache-and-sim.md A1.8): with
 * exactly three {@code @}-separated parts the pod id is the second and the model the third; any other topic is
 * taken whole as the pod id with an empty model, as llm-d does. The pod id must equal the endpoint identifier the
 * scheduler scores (for example {@code 10.0.0.1:8000} or a bare IP, depending on how the pods are configured).
 *
 * @param podId the publishing pod's identifier
 * @param model the model named by the topic, or "" when the topic names none
 */
public record KvEventTopic(String podId, String model) {

    /** The topic prefix llm-d subscribes with. */
    public static final String DEFAULT_FILTER = "kv@";

    public KvEventTopic {
        if (podId == null || model == null) {
            throw new IllegalArgumentException("podId and model must not be null");
        }
    }

    public static KvEventTopic parse(String topic) {
        int first = topic.indexOf('@');
        if (first >= 0) {
            int second = topic.indexOf('@', first + 1);
            if (second >= 0 && topic.indexOf('@', second + 1) < 0) {
                return new KvEventTopic(topic.substring(first + 1, second), topic.substring(second + 1));
            }
        }
        return new KvEventTopic(topic, "");
    }

    /** Parses the UTF-8 topic frame. */
    public static KvEventTopic parse(byte[] frame) {
        return parse(new String(frame, StandardCharsets.UTF_8));
    }

    /** The topic a pod publishes under: {@code kv@<podId>@<model>}. */
    public String format() {
        return "kv@" + podId + "@" + model;
    }
}
