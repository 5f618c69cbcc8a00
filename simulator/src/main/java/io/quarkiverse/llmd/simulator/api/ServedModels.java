package io.quarkiverse.llmd.simulator.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The base model and the LoRA adapters a pod serves; adapters can be loaded and unloaded at run time. */
public final class ServedModels {

    private final String baseModel;
    private final Map<String, String> loras = new ConcurrentHashMap<>();
    private final long created = System.currentTimeMillis() / 1000;

    public ServedModels(String baseModel, List<String> loraModules) {
        this.baseModel = baseModel;
        for (String l : loraModules) {
            int eq = l.indexOf('=');
            loras.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "/loras/" + l : l.substring(eq + 1));
        }
    }

    public String baseModel() {
        return baseModel;
    }

    public long created() {
        return created;
    }

    public boolean isLora(String name) {
        return loras.containsKey(name);
    }

    /** Adapter names with their paths, sorted by name. */
    public List<Map.Entry<String, String>> loras() {
        List<Map.Entry<String, String>> out = new ArrayList<>(loras.entrySet());
        out.sort(Map.Entry.comparingByKey());
        return out;
    }

    /**
     * Resolves the model of a request: the base model, an adapter, or a 404.
     *
     * @return null for the base model, otherwise the adapter name
     */
    public String resolveLora(String model) {
        if (model == null || model.equals(baseModel)) {
            return null;
        }
        if (loras.containsKey(model)) {
            return model;
        }
        throw new ApiException(404, "The model `" + model + "` does not exist.", "model");
    }

    /** Returns false when the adapter is already loaded. */
    public boolean load(String name, String path) {
        return !name.equals(baseModel) && loras.putIfAbsent(name, path) == null;
    }

    public boolean unload(String name) {
        return loras.remove(name) != null;
    }
}
