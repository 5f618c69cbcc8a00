package io.quarkiverse.llmd.gateway.epp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged application started by {@code /app/epp} the way KServe's scheduler preset starts llm-d's picker: the
 * launcher script next to the fast-jar, given exactly the preset's arguments. Only the ports are moved to free ones,
 * by flags appended after the preset's (the last value of a flag wins, as in Go).
 */
class EppLauncherIT {

    private static final Path APP = Path.of("target", "quarkus-app");
    private static final Path LAUNCHER = APP.resolve("epp");

    @BeforeAll
    static void installLauncher() throws IOException {
        assertThat(APP.resolve("quarkus-run.jar")).as("packaged application").exists();
        // the image's layout: the script beside quarkus-run.jar
        Files.copy(Path.of("src", "main", "docker", "epp"), LAUNCHER, StandardCopyOption.REPLACE_EXISTING);
        assertThat(LAUNCHER.toFile().setExecutable(true)).isTrue();
    }

    @Test
    void kservePresetArgumentsStartTheEppMode() throws Exception {
        int[] ports = FreePorts.distinct(3);
        int grpc = ports[0];
        int health = ports[1];
        int metrics = ports[2];
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(EppCommandLineTest.KSERVE_PRESET);
        command.addAll(List.of("--grpc-port=" + grpc, "--grpc-health-port=" + health, "--metrics-port=" + metrics));
        Path log = Files.createTempFile("epp-launcher", ".log");
        log.toFile().deleteOnExit(); // failures quote its content
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_OPTS_APPEND", "-Dquarkus.http.port=0");
        Process epp = builder.start();
        try {
            String started = awaitLine(epp, log, "EPP mode: InferencePool");
            assertThat(started).as("JSON lines, as --zap-encoder json asks")
                    .startsWith("{").contains("\"message\":\"EPP mode: InferencePool llm/qwen-inference-pool "
                            + "(inference.networking.k8s.io)\"");
            for (int port : new int[] { grpc, health, metrics }) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                }
            }
            assertThat(Files.readString(log)).doesNotContain("\"level\":\"ERROR\"");
        } finally {
            epp.destroy();
            if (!epp.waitFor(60, TimeUnit.SECONDS)) {
                epp.destroyForcibly();
            }
        }
        assertThat(Files.readString(log)).contains("llmd-gateway stopped");
    }

    @Test
    void aFlagLlmdWouldRefuseExitsWithGoUsageStatus() throws Exception {
        Process epp = new ProcessBuilder("bash", LAUNCHER.toString(), "--pool-name", "p", "--bogus=1")
                .redirectErrorStream(true).start();
        String output = new String(epp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(epp.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(epp.exitValue()).isEqualTo(EppMain.USAGE_ERROR);
        assertThat(output).contains("epp: unknown flag: --bogus");
    }

    /** Waits for a log line containing the text; fails if the process ends first or after 3 minutes. */
    private static String awaitLine(Process process, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.contains(text)) {
                    return line;
                }
            }
            assertThat(process.isAlive()).as("launcher still running; log:%n%s", Files.readString(log)).isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError("no line with \"" + text + "\" in:\n" + Files.readString(log));
    }
}
