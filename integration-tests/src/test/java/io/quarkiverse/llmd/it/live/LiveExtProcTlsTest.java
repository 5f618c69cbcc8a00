package io.quarkiverse.llmd.it.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.benchmarks.live.LiveCommand;
import io.quarkiverse.llmd.it.extproc.TlsTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@code llmd-bench live --mode extproc --tls-insecure} against the picker's default TLS (self-signed). */
@QuarkusTest
@TestProfile(TlsTestProfile.class)
class LiveExtProcTlsTest {

    @Test
    void extprocOverTlsWithoutVerification() throws Exception {
        Path out = LiveModeTest.DIR.resolve("extproc-tls");
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        int rc = LiveCommand.main(new String[] { "--workload", LiveModeTest.workload().toString(), "--target",
            "localhost:" + port, "--mode", "extproc", "--tls-insecure", "--seed", "4", "--out", out.toString(),
            "--no-plots", "--duration-scale", "0.5", "--drain-timeout", "20" });
        assertThat(rc).isZero();
        Map<String, Object> s = LiveModeTest.assertSummaryShape(out);
        assertThat(s.get("failed")).isEqualTo(0);
    }

    @Test
    void withoutAnOptionTheDefaultTlsOfALocalPickerIsFollowed() throws Exception {
        Path out = LiveModeTest.DIR.resolve("extproc-tls-default");
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        int rc = LiveCommand.main(new String[] { "--workload", LiveModeTest.workload().toString(), "--target",
            "127.0.0.1:" + port, "--mode", "extproc", "--seed", "4", "--out", out.toString(), "--no-plots",
            "--duration-scale", "0.5", "--drain-timeout", "20" });
        assertThat(rc).isZero();
        Map<String, Object> s = LiveModeTest.assertSummaryShape(out);
        assertThat(s.get("failed")).isEqualTo(0);
        assertThat(s.get("errors")).isEqualTo(Map.of());
    }

    @Test
    void plaintextAgainstTheTlsPickerFailsWithTheReasonCounted() throws Exception {
        Path out = LiveModeTest.DIR.resolve("extproc-tls-plaintext");
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        int rc = LiveCommand.main(new String[] { "--workload", LiveModeTest.workload().toString(), "--target",
            "127.0.0.1:" + port, "--mode", "extproc", "--plaintext", "--seed", "4", "--out", out.toString(),
            "--no-plots", "--no-csv", "--duration-scale", "0.25", "--drain-timeout", "10" });
        assertThat(rc).as("nothing completed").isEqualTo(1);
        Map<String, Object> s = io.quarkiverse.llmd.benchmarks.sim.Outputs.readJson(out.resolve("summary.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> errors = (Map<String, Object>) s.get("errors");
        assertThat(errors).isNotEmpty();
        assertThat(errors.values().stream().mapToLong(v -> ((Number) v).longValue()).sum())
                .isEqualTo(((Number) s.get("requests")).longValue());
    }
}
