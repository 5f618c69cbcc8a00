package io.quarkiverse.llmd.it.pools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkiverse.llmd.it.TempDirs;
import io.quarkus.test.junit.QuarkusTestProfile;

/** A named pool {@code from-file} whose endpoints come from a file in llm-d's file-discovery format. */
public class FileDiscoveryProfile implements QuarkusTestProfile {

    static final Path FILE;

    static {
        try {
            FILE = TempDirs.deletedOnExit("llmd-file-discovery").resolve("endpoints.yaml");
            write("""
                    endpoints:
                      - name: vllm-0
                        address: "10.9.0.1"
                        port: "8000"
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(String text) throws IOException {
        Path tmp = FILE.resolveSibling("endpoints.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, FILE, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.models", "unused-default-model",
                "quarkus.llmd.pools.\"from-file\".models", "file-model",
                "quarkus.llmd.pools.\"from-file\".discovery.source", "file",
                "quarkus.llmd.pools.\"from-file\".discovery.file", FILE.toString(),
                "quarkus.llmd.pools.\"from-file\".discovery.poll-interval", "100ms");
    }
}
