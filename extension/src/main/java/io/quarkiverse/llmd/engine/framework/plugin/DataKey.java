package io.quarkiverse.llmd.engine.framework.plugin;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed slot of per-request data that one plugin produces and others consume (llm-d's data keys). Replaces an
 * untyped shared bag: a consumer declares the keys it needs, the configuration loader checks that each has a
 * producer (creating the key's default producer when none is configured) and orders producers before consumers.
 *
 * @param name readable key name, used in error messages
 * @param type type of the value stored under the key
 * @param defaultProducerType plugin type instantiated when a consumer needs the key and nobody produces it; null when
 *        there is none
 * @param id dense index of the key, for array-backed storage
 */
public record DataKey<T>(String name, Class<T> type, String defaultProducerType, int id) {

    private static final AtomicInteger IDS = new AtomicInteger();

    public static <T> DataKey<T> of(String name, Class<T> type, String defaultProducerType) {
        return new DataKey<>(name, type, defaultProducerType, IDS.getAndIncrement());
    }

    /** How many keys exist so far; storage sized by this never needs to grow for keys created earlier. */
    public static int count() {
        return IDS.get();
    }

    @Override
    public String toString() {
        return name;
    }
}
