package io.quarkiverse.llmd.it.hardening;

import java.io.IOException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.microprofile.config.ConfigProvider;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.quarkiverse.llmd.runtime.extproc.SelfSignedCertificate;

/** TLS clients of the ext_proc port: a bare handshake, and one ext_proc exchange over gRPC. */
final class TlsProbe {

    /** Guard against a hung test, not a timing assertion. */
    private static final long WAIT_SECONDS = 20;

    private TlsProbe() {
    }

    static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    }

    /**
     * Whether a TLS 1.3 client that trusts only {@code trusted} completes a handshake with the server (and, with
     * {@code identity}, presents that client certificate).
     */
    static boolean handshake(X509Certificate trusted, SelfSignedCertificate identity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("only", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(identity == null ? null : keyManagers(identity), tmf.getTrustManagers(), new SecureRandom());
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port())) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setApplicationProtocols(new String[] { "h2" });
                socket.setSSLParameters(parameters);
                socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                socket.startHandshake();
                return true;
            }
        } catch (IOException e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(SelfSignedCertificate identity) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("me", identity.keyPair().getPrivate(), new char[0],
                new X509Certificate[] { identity.certificate() });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        return kmf.getKeyManagers();
    }

    /**
     * Sends one headers-only request over gRPC (trusting any server certificate, presenting {@code identity} if not
     * null) and returns the picker's first reply, or the failure.
     */
    static Object exchange(SelfSignedCertificate identity) throws Exception {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE);
        if (identity != null) {
            ssl.keyManager(identity.keyPair().getPrivate(), identity.certificate());
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port()).sslContext(ssl.build()).build();
        try {
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<Object> result = new AtomicReference<>();
            StreamObserver<ProcessingRequest> requests = ExternalProcessorGrpc.newStub(channel)
                    .process(new StreamObserver<>() {
                        @Override
                        public void onNext(ProcessingResponse value) {
                            result.compareAndSet(null, value);
                            done.countDown();
                        }

                        @Override
                        public void onError(Throwable t) {
                            result.compareAndSet(null, t);
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            done.countDown();
                        }
                    });
            HeaderMap.Builder headers = HeaderMap.newBuilder();
            headers.addHeaders(HeaderValue.newBuilder().setKey(":method").setValue("GET"));
            headers.addHeaders(HeaderValue.newBuilder().setKey(":path").setValue("/v1/models"));
            requests.onNext(ProcessingRequest.newBuilder()
                    .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers).setEndOfStream(true)).build());
            if (!done.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no answer from the ext_proc server");
            }
            requests.onCompleted();
            return result.get();
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
