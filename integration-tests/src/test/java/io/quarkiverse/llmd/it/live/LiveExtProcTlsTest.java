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
}
