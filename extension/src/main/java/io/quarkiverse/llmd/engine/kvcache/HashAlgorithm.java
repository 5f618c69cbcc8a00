package io.quarkiverse.llmd.engine.kvcache;

import java.util.Locale;

/** How llm-d derives request block keys from tokens ({@code tokenProcessorConfig.hashAlgorithm}). */
public enum HashAlgorithm {

    /** FNV-64a over canonical CBOR of {@code [parent, tokens, extra]}: llm-d's default. */
    CBOR_FNV("cbor-fnv"),
    /** XXH64 over little-endian parent and tokens: about eight times cheaper, same chain semantics. */
    XXH64("xxh64");

    private final String configName;

    HashAlgorithm(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration. */
    public String configName() {
        return configName;
    }

    /** Parses a configuration name (case-insensitive); null or empty gives the default {@link #CBOR_FNV}. */
    public static HashAlgorithm fromConfig(String name) {
        if (name == null || name.isEmpty()) {
            return CBOR_FNV;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (HashAlgorithm a : values()) {
            if (a.configName.equals(lower)) {
                return a;
            }
        }
        throw new IllegalArgumentException("hashAlgorithm must be one of cbor-fnv, xxh64; got '" + name + "'");
    }
}
