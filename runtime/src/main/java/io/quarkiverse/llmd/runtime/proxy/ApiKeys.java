package io.quarkiverse.llmd.runtime.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.quarkiverse.llmd.engine.config.ConfigException;

/**
 * The API keys the proxy accepts, each mapped to a tenant (which becomes the request's fairness id). Read once from a
 * file of lines {@code <key> <tenant>} (blank lines and {@code #} comments ignored), for instance a mounted Secret.
 * Only SHA-256 digests of the keys are kept in memory, and no message, log line or error ever contains a key.
 */
final class ApiKeys {

    /** The property that names the file, quoted in errors. */
    static final String PROPERTY = "quarkus.llmd.proxy.api-keys-file";
    /** Keys shorter than this are refused: a guessable key is no key. */
    static final int MIN_KEY_LENGTH = 16;

    private final Map<String, String> tenantByDigest;

    private ApiKeys(Map<String, String> tenantByDigest) {
        this.tenantByDigest = Map.copyOf(tenantByDigest);
    }

    /** Reads the keys; a missing, unreadable or malformed file stops startup with the property and line named. */
    static ApiKeys load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(PROPERTY, 0, null, "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
        return parse(file.toString(), lines);
    }

    static ApiKeys parse(String source, List<String> lines) {
        Map<String, String> byDigest = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            int n = i + 1;
            if (parts.length != 2) {
                throw new ConfigException(PROPERTY, 0, null, source + " line " + n
                        + ": expected '<key> <tenant>' (two fields separated by blanks), found " + parts.length
                        + " field(s)");
            }
            if (parts[0].length() < MIN_KEY_LENGTH) {
                throw new ConfigException(PROPERTY, 0, null, source + " line " + n + ": the key is shorter than "
                        + MIN_KEY_LENGTH + " characters");
            }
            if (byDigest.put(digest(parts[0]), parts[1]) != null) {
                throw new ConfigException(PROPERTY, 0, null, source + " line " + n
                        + ": the same key appears twice");
            }
        }
        if (byDigest.isEmpty()) {
            throw new ConfigException(PROPERTY, 0, null, source + " holds no key: every request would be refused");
        }
        return new ApiKeys(byDigest);
    }

    /**
     * The tenant of a request's credentials: {@code Authorization: Bearer <key>} (what OpenAI clients send) or
     * {@code api-key: <key>}; null when it carries none or an unknown key.
     */
    String tenantOf(String authorization, String apiKey) {
        String key = null;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).strip();
        } else if (apiKey != null) {
            key = apiKey.strip();
        }
        if (key == null || key.isEmpty() || key.length() > 4096) {
            return null;
        }
        return tenantByDigest.get(digest(key));
    }

    int size() {
        return tenantByDigest.size();
    }

    private static String digest(String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
