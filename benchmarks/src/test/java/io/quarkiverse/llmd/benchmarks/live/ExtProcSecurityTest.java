package io.quarkiverse.llmd.benchmarks.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The extproc client's default: it probes the port. The TLS side (the gateway's self-signed certificate) is covered
 * end to end by the integration tests' {@code LiveExtProcTlsTest}.
 */
class ExtProcSecurityTest {

    @Test
    void aPortThatAnswersTheHelloWithHttp2IsPlaintext() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    in.read(new byte[512]);
                    OutputStream out = s.getOutputStream();
                    // what an h2c server sends to bytes that are not its preface: an HTTP/2 GOAWAY frame
                    out.write(new byte[] { 0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 });
                    out.flush();
                } catch (Exception e) {
                    // the client hung up first
                }
            });
            t.start();
            assertThat(ExtProcSecurity.detect("127.0.0.1", server.getLocalPort(), 5000))
                    .isEqualTo(ExtProcSecurity.PLAINTEXT);
            t.join(5000);
        }
    }

    @Test
    void aPortThatClosesOnTheHelloIsPlaintext() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (Exception e) {
                    // the client hung up first
                }
            });
            t.start();
            assertThat(ExtProcSecurity.speaksTls("127.0.0.1", server.getLocalPort(), 5000)).isFalse();
            t.join(5000);
        }
    }

    @Test
    void aClosedPortIsAClearErrorNotUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> ExtProcSecurity.detect("127.0.0.1", port, 2000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot connect to the ext_proc picker at 127.0.0.1:" + port)
                .hasMessageContaining("is the gateway running?");
    }

    @Test
    void onlyThisMachineIsTrustedWithoutBeingAsked() {
        assertThat(ExtProcSecurity.isLoopback("127.0.0.1")).isTrue();
        assertThat(ExtProcSecurity.isLoopback("localhost")).isTrue();
        assertThat(ExtProcSecurity.isLoopback("::1")).isTrue();
        assertThat(ExtProcSecurity.isLoopback("10.0.0.1")).isFalse();
    }
}
