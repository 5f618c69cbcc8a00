package io.quarkiverse.llmd.engine.kvcache;

import java.util.Objects;

/**
 * Which backend a precise prefix-cache index uses, as its plugin's {@code indexerConfig.kvBlockIndexConfig} chose
 * it. A closed set: the engine itself builds only {@link InMemory}; {@link Shared} needs a runtime that supplies a
 * {@link KvBlockIndexFactory} able to reach the shared store.
 */
public sealed interface KvIndexBackend {

    /** The process-local {@link InMemoryKvBlockIndex} (llm-d's {@code inMemoryConfig}, the default). */
    record InMemory() implements KvIndexBackend {
    }

    /** The store behind a shared backend; llm-d accepts both names for the same protocol. */
    enum Kind {
        REDIS("redisConfig"),
        VALKEY("valkeyConfig");

        private final String configName;

        Kind(String configName) {
            this.configName = configName;
        }

        /** The llm-d field that selects this backend. */
        public String configName() {
            return configName;
        }
    }

    /**
     * An index shared by gateway replicas through Redis or Valkey.
     *
     * @param kind which field chose it
     * @param address the server's URL from the plugin's {@code address}, or null to use the runtime's default
     * @param field the configuration path of the selecting field, for error messages
     */
    record Shared(Kind kind, String address, String field) implements KvIndexBackend {
        public Shared {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(field, "field");
        }
    }

    InMemory IN_MEMORY = new InMemory();
}
