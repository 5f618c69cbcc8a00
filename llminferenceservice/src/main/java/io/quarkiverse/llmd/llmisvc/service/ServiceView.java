package io.quarkiverse.llmd.llmisvc.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * What the gateway reads of one LLMInferenceService, the same for {@code v1alpha1} and {@code v1alpha2} (the fields
 * used here did not change between them, except the pool's target ports): identity, annotations, the model and LoRA
 * adapter names, whether it is disaggregated, its scheduler config, and the ports its pods serve on.
 *
 * @param apiVersion {@code serving.kserve.io/v1alpha2} or {@code .../v1alpha1}
 * @param uid the object's uid (Events point at it)
 * @param annotations the object's annotations
 * @param models the served model name ({@code spec.model.name}, else the object's name), then each LoRA adapter's
 * @param problem what is wrong with the spec for our purposes (a LoRA adapter without a name), or null
 * @param inlineConfig {@code spec.router.scheduler.config.inline} as text, or null
 * @param configRef {@code spec.router.scheduler.config.ref}, or null
 * @param targetPorts the ports a serving pod takes requests on: the pool spec's, else KServe's 8000
 */
public record ServiceView(String apiVersion, String namespace, String name, String uid,
        Map<String, String> annotations, Set<String> models, String problem, boolean disaggregated,
        String inlineConfig, ConfigMapRef configRef, List<Integer> targetPorts) {

    /** The kind, for Events. */
    public static final String KIND = "LLMInferenceService";

    /** The port KServe's vLLM pods (or the routing sidecar in front of decode pods) serve on. */
    public static final int DEFAULT_PORT = 8000;

    /** The pool of this service: {@code <namespace>/<name>}. */
    public String poolName() {
        return namespace + "/" + name;
    }

    /** Reads a typed LLMInferenceService of either version (or any object of that shape). */
    public static ServiceView of(Object service) {
        return of(Serialization.jsonMapper().valueToTree(service));
    }

    /** Reads the JSON tree of an LLMInferenceService. */
    public static ServiceView of(JsonNode tree) {
        JsonNode meta = tree.path("metadata");
        String namespace = meta.path("namespace").asText("");
        String name = meta.path("name").asText("");
        Map<String, String> annotations = new TreeMap<>();
        meta.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        JsonNode spec = tree.path("spec");
        Set<String> models = new LinkedHashSet<>();
        String modelName = text(spec.path("model").path("name"));
        models.add(modelName != null ? modelName : name);
        String problem = null;
        JsonNode adapters = spec.path("model").path("lora").path("adapters");
        int i = 0;
        for (JsonNode adapter : adapters) {
            String adapterName = text(adapter.path("name"));
            if (adapterName == null) {
                problem = "spec.model.lora.adapters[" + i + "] has no name, and a LoRA adapter is requested by name";
            } else {
                models.add(adapterName);
            }
            i++;
        }
        JsonNode scheduler = spec.path("router").path("scheduler");
        JsonNode inline = scheduler.path("config").path("inline");
        String inlineConfig = null;
        if (inline.isTextual()) {
            inlineConfig = inline.asText();
        } else if (inline.isObject() && inline.size() > 0) {
            inlineConfig = inline.toString(); // JSON is YAML: the loader reads it as written
        }
        ConfigMapRef ref = null;
        JsonNode refNode = scheduler.path("config").path("ref");
        String refName = text(refNode.path("name"));
        if (refName != null) {
            ref = new ConfigMapRef(refName, text(refNode.path("key")));
        }
        return new ServiceView(tree.path("apiVersion").asText(""), namespace, name, meta.path("uid").asText(""),
                Map.copyOf(annotations), Set.copyOf(models), problem,
                !spec.path("prefill").isMissingNode() && !spec.path("prefill").isNull(), inlineConfig, ref,
                targetPorts(scheduler.path("pool").path("spec")));
    }

    /** v1alpha2 (GIE v1): {@code targetPorts[].number}; v1alpha1 (GIE v1alpha2): {@code targetPortNumber}. */
    private static List<Integer> targetPorts(JsonNode poolSpec) {
        List<Integer> ports = new ArrayList<>();
        for (JsonNode p : poolSpec.path("targetPorts")) {
            int n = p.path("number").asInt(0);
            if (n >= 1 && n <= 65535 && !ports.contains(n)) {
                ports.add(n);
            }
        }
        int legacy = poolSpec.path("targetPortNumber").asInt(0);
        if (ports.isEmpty() && legacy >= 1 && legacy <= 65535) {
            ports.add(legacy);
        }
        return ports.isEmpty() ? List.of(DEFAULT_PORT) : List.copyOf(ports);
    }

    private static String text(JsonNode n) {
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            return null;
        }
        return n.asText().trim();
    }
}
