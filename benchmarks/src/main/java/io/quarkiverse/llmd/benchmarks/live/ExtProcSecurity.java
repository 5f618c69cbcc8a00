package io.quarkiverse.llmd.benchmarks.live;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How {@code live --mode extproc} talks to the picker. The gateway's ext_proc server speaks TLS with a self-signed
 * certificate by default (as llm-d's {@code --secure-serving}), which a plaintext client only sees as an opaque
 * {@code UNAVAILABLE}; so unless the user chose, the client asks the port first with one TLS handshake.
 */
enum ExtProcSecurity {
    /** h2c ({@code --plaintext}, or the port did not answer a TLS handshake). */
    PLAINTEXT,
    /** TLS without certificate verification ({@code --tls-insecure}, or a TLS port on this machine). */
    TLS_INSECURE;

    /**
     * The security of the default mode for {@code host:port}: plaintext when the port does not speak TLS; TLS
     * without verification when it does and the host is a loopback address (the gateway's self-signed certificate
     * on this machine, nothing to verify it against).
     *
     * @throws IllegalArgumentException when the port is closed, or speaks TLS on another machine (the message says
     *         which option to pass)
     */
    static ExtProcSecurity detect(String host, int port, int timeoutMs) {
        boolean tls;
        try {
            tls = speaksTls(host, port, timeoutMs);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot connect to the ext_proc picker at " + host + ":" + port + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + "); is the gateway running?");
        }
        if (!tls) {
            return PLAINTEXT;
        }
        if (isLoopback(host)) {
            return TLS_INSECURE;
        }
        throw new IllegalArgumentException("the ext_proc picker at " + host + ":" + port + " speaks TLS; pass"
                + " --tls-insecure to use it without verifying its certificate, or start the gateway with"
                + " -Dquarkus.llmd.ext-proc.secure-serving=false and pass --plaintext");
    }

    /**
     * Whether a TLS handshake with {@code host:port} completes (any certificate accepted).
     *
     * @throws IOException when nothing accepts a connection there
     */
    static boolean speaksTls(String host, int port, int timeoutMs) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), timeoutMs);
            plain.setSoTimeout(timeoutMs);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
        try (SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, host, port, true)) {
            SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[] { "h2" }); // gRPC servers insist on ALPN h2
            s.setSSLParameters(p);
            s.startHandshake();
            return true;
        } catch (SSLException | java.net.SocketTimeoutException | java.io.EOFException e) {
            return false; // an HTTP/2 server answers a ClientHello with a GOAWAY frame or closes: not TLS
        } catch (java.net.SocketException e) {
            return false; // reset by a server that did not understand the hello
        }
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] { new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            } }, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
