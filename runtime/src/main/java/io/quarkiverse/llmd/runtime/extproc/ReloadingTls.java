package io.quarkiverse.llmd.runtime.extproc;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

import org.jboss.logging.Logger;

import io.netty.handler.ssl.ClientAuth;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.core.net.impl.KeyStoreHelper;
import io.vertx.core.spi.tls.SslContextFactory;

/**
 * TLS material of the ext_proc server that may change while it runs: the server certificate from
 * {@code cert-path} and the client certificate authorities of {@code client-ca-path}.
 * <p>
 * Quarkus 3.27 builds the separate gRPC server's TLS context once from {@code quarkus.grpc.server.ssl.*} and has no
 * reload for it (its TLS registry and {@code reload-period} serve the HTTP server only). The JDK's TLS engine,
 * however, asks its key and trust managers at every handshake, so the server is given managers whose content can be
 * swapped: new connections see a new certificate, open ones keep theirs. They reach Vert.x, which builds the gRPC
 * server's TLS context, through its {@link SslContextFactory} SPI ({@link #engineOptions()}); Quarkus's own PEM key
 * options stay in place (it validates them at start) and are only overridden.
 * <p>
 * Files are compared by content, which follows both an in-place write and the symlink swap of a Kubernetes secret.
 * A pair whose key does not sign for its certificate is refused, so a half-written update keeps the old pair.
 */
final class ReloadingTls {

    private static final Logger LOG = Logger.getLogger(ReloadingTls.class);
    static final String CERT_PATH = "quarkus.llmd.ext-proc.cert-path";
    static final String CLIENT_CA_PATH = "quarkus.llmd.ext-proc.client-ca-path";

    private final Vertx vertx;
    private final Path certFile;
    private final Path keyFile;
    private final Path caFile;
    private final SwappableKeyManager keys;
    private final SwappableTrustManager trust;
    private byte[] loadedCert;
    private byte[] loadedKey;
    private byte[] loadedCa;
    private long timer = -1;

    /**
     * Reads the files once; a file that cannot be read or parsed fails here, at start, naming its property.
     *
     * @param certDir directory of {@code tls.crt}/{@code tls.key} to serve and reload, or null to leave the server
     *        certificate to Quarkus
     * @param caFile PEM file of the client certificate authorities (mutual TLS), or null for none
     */
    ReloadingTls(Vertx vertx, Path certDir, Path caFile) {
        this.vertx = vertx;
        this.certFile = certDir == null ? null : certDir.resolve("tls.crt");
        this.keyFile = certDir == null ? null : certDir.resolve("tls.key");
        this.caFile = caFile;
        if (certFile != null) {
            try {
                loadedCert = Files.readAllBytes(certFile);
                loadedKey = Files.readAllBytes(keyFile);
                keys = new SwappableKeyManager(keyManager(vertx, loadedCert, loadedKey));
            } catch (IOException | GeneralSecurityException e) {
                throw new ConfigException(CERT_PATH, 0, null, "cannot use " + certDir + "/tls.crt and tls.key: " + e);
            }
        } else {
            keys = null;
        }
        if (caFile != null) {
            try {
                loadedCa = Files.readAllBytes(caFile);
                trust = new SwappableTrustManager(trustManager(vertx, loadedCa));
            } catch (IOException | GeneralSecurityException e) {
                throw new ConfigException(CLIENT_CA_PATH, 0, null, "cannot use " + caFile + ": " + e);
            }
        } else {
            trust = null;
        }
    }

    /** The engine options that give the server these managers (and require client certificates with a CA file). */
    EngineOptions engineOptions() throws Exception {
        KeyManagerFactory kmf = keys == null ? null : KeyCertOptions.wrap(keys).getKeyManagerFactory(vertx);
        TrustManagerFactory tmf = trust == null ? null : TrustOptions.wrap(trust).getTrustManagerFactory(vertx);
        return new EngineOptions(kmf, tmf);
    }

    SwappableKeyManager keys() {
        return keys;
    }

    SwappableTrustManager trust() {
        return trust;
    }

    /** Checks the files every {@code period} (off the event loop) until {@link #stop()}. */
    synchronized void reloadEvery(Duration period) {
        if (period.isZero() || period.isNegative() || timer >= 0) {
            return;
        }
        timer = vertx.setPeriodic(period.toMillis(), id -> vertx.executeBlocking(() -> {
            reloadNow();
            return null;
        }, false));
    }

    synchronized void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /**
     * Reads the files and swaps in what changed and is valid; a broken or mismatched update is logged and the
     * material in use kept. Blocking (file reads).
     *
     * @return whether anything was swapped
     */
    synchronized boolean reloadNow() {
        boolean swapped = false;
        if (keys != null) {
            try {
                byte[] cert = Files.readAllBytes(certFile);
                byte[] key = Files.readAllBytes(keyFile);
                if (!Arrays.equals(cert, loadedCert) || !Arrays.equals(key, loadedKey)) {
                    X509KeyManager next = keyManager(vertx, cert, key);
                    keys.swap(next);
                    loadedCert = cert;
                    loadedKey = key;
                    swapped = true;
                    X509Certificate leaf = leaf(next);
                    LOG.infof("ext_proc TLS: serving the new certificate of %s (%s, valid until %s)",
                            certFile.getParent(), leaf == null ? "?" : leaf.getSubjectX500Principal(),
                            leaf == null ? "?" : leaf.getNotAfter().toInstant());
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                LOG.warnf("ext_proc TLS: %s/tls.crt and tls.key changed but cannot be used (%s); still serving the"
                        + " previous certificate", certFile.getParent(), e.getMessage());
            }
        }
        if (trust != null) {
            try {
                byte[] ca = Files.readAllBytes(caFile);
                if (!Arrays.equals(ca, loadedCa)) {
                    trust.swap(trustManager(vertx, ca));
                    loadedCa = ca;
                    swapped = true;
                    LOG.infof("ext_proc TLS: trusting the new client certificate authorities of %s", caFile);
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                LOG.warnf("ext_proc TLS: %s changed but cannot be used (%s); still trusting the previous client"
                        + " certificate authorities", caFile, e.getMessage());
            }
        }
        return swapped;
    }

    // ------------------------------------------------------------------ loading

    /** A key manager for the PEM pair, after checking that the key signs for the certificate. */
    static X509KeyManager keyManager(Vertx vertx, byte[] certPem, byte[] keyPem) throws GeneralSecurityException {
        KeyStore store;
        try {
            store = new PemKeyCertOptions().setCertValue(Buffer.buffer(certPem)).setKeyValue(Buffer.buffer(keyPem))
                    .loadKeyStore(vertx);
        } catch (GeneralSecurityException e) {
            throw e;
        } catch (Exception e) {
            throw new GeneralSecurityException("not a PEM certificate and private key: " + e.getMessage(), e);
        }
        char[] password = KeyStoreHelper.DUMMY_PASSWORD.toCharArray();
        for (String alias : Collections.list(store.aliases())) {
            if (store.getKey(alias, password) instanceof PrivateKey key
                    && store.getCertificate(alias) instanceof X509Certificate cert) {
                checkPair(key, cert);
            }
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        for (var manager : factory.getKeyManagers()) {
            if (manager instanceof X509KeyManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 key manager for the certificate");
    }

    static X509TrustManager trustManager(Vertx vertx, byte[] caPem) throws GeneralSecurityException {
        TrustManagerFactory factory;
        try {
            factory = new PemTrustOptions().addCertValue(Buffer.buffer(caPem)).getTrustManagerFactory(vertx);
        } catch (Exception e) {
            throw new GeneralSecurityException("no PEM certificate authority: " + e.getMessage(), e);
        }
        for (var manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                if (x509.getAcceptedIssuers().length == 0) {
                    throw new GeneralSecurityException("no certificate in the file");
                }
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager for the certificate authorities");
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static void checkPair(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // an algorithm we cannot check: the handshake will tell
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(challenge);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(cert.getPublicKey());
        verifier.update(challenge);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("the private key does not match the certificate");
        }
    }

    private static X509Certificate leaf(X509KeyManager manager) {
        for (String type : List.of("EC", "RSA", "EdDSA", "Ed25519")) {
            String[] aliases = manager.getServerAliases(type, null);
            if (aliases != null && aliases.length > 0) {
                X509Certificate[] chain = manager.getCertificateChain(aliases[0]);
                return chain == null || chain.length == 0 ? null : chain[0];
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ swappable managers

    /**
     * A key manager whose content can be replaced. The JDK picks an alias, then asks for its key and chain: the alias
     * carries the generation it came from, so a swap between those calls cannot pair one certificate with another
     * key.
     */
    static final class SwappableKeyManager extends X509ExtendedKeyManager {

        private record Generation(long number, X509KeyManager manager) {
            String alias(String alias) {
                return alias == null ? null : number + ":" + alias;
            }
        }

        private volatile Generation current;
        private volatile Generation previous;

        SwappableKeyManager(X509KeyManager first) {
            current = new Generation(0, first);
        }

        void swap(X509KeyManager next) {
            Generation now = current;
            previous = now;
            current = new Generation(now.number + 1, next);
        }

        private X509KeyManager manager(String alias) {
            int colon = alias == null ? -1 : alias.indexOf(':');
            if (colon < 0) {
                return null;
            }
            Generation now = current;
            Generation before = previous;
            String number = alias.substring(0, colon);
            if (number.equals(Long.toString(now.number))) {
                return now.manager;
            }
            return before != null && number.equals(Long.toString(before.number)) ? before.manager : null;
        }

        private static String inner(String alias) {
            return alias.substring(alias.indexOf(':') + 1);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            Generation g = current;
            String[] aliases = g.manager.getServerAliases(keyType, issuers);
            return aliases == null ? null : Arrays.stream(aliases).map(g::alias).toArray(String[]::new);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            Generation g = current;
            return g.alias(g.manager.chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            Generation g = current;
            String alias = g.manager instanceof X509ExtendedKeyManager extended
                    ? extended.chooseEngineServerAlias(keyType, issuers, engine)
                    : g.manager.chooseServerAlias(keyType, issuers, null);
            return g.alias(alias);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null; // a server only
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            X509KeyManager m = manager(alias);
            return m == null ? null : m.getCertificateChain(inner(alias));
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            X509KeyManager m = manager(alias);
            return m == null ? null : m.getPrivateKey(inner(alias));
        }
    }

    /** A trust manager whose certificate authorities can be replaced; each check uses one set. */
    static final class SwappableTrustManager extends X509ExtendedTrustManager {

        private volatile X509TrustManager current;

        SwappableTrustManager(X509TrustManager first) {
            current = first;
        }

        void swap(X509TrustManager next) {
            current = next;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            X509TrustManager t = current;
            if (t instanceof X509ExtendedTrustManager extended) {
                extended.checkClientTrusted(chain, authType, socket);
            } else {
                t.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            X509TrustManager t = current;
            if (t instanceof X509ExtendedTrustManager extended) {
                extended.checkClientTrusted(chain, authType, engine);
            } else {
                t.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("the ext_proc server trusts client certificates only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("the ext_proc server trusts client certificates only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the ext_proc server trusts client certificates only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return current.getAcceptedIssuers();
        }
    }

    // ------------------------------------------------------------------ Vert.x SPI

    /**
     * Vert.x's JDK engine with these managers in place of those it derives from the options, and client
     * certificates required when there is a trust manager. Copied with the server options, hence {@link #copy()}.
     */
    static final class EngineOptions extends JdkSSLEngineOptions {

        private final KeyManagerFactory keys;
        private final TrustManagerFactory trust;

        EngineOptions(KeyManagerFactory keys, TrustManagerFactory trust) {
            this.keys = keys;
            this.trust = trust;
        }

        private EngineOptions(EngineOptions other) {
            super(other);
            this.keys = other.keys;
            this.trust = other.trust;
        }

        @Override
        public JdkSSLEngineOptions copy() {
            return new EngineOptions(this);
        }

        @Override
        public SslContextFactory sslContextFactory() {
            SslContextFactory vertx = super.sslContextFactory();
            return new SslContextFactory() {
                @Override
                public SslContextFactory useAlpn(boolean useAlpn) {
                    vertx.useAlpn(useAlpn);
                    return this;
                }

                @Override
                public SslContextFactory clientAuth(ClientAuth clientAuth) {
                    vertx.clientAuth(clientAuth);
                    return this;
                }

                @Override
                public SslContextFactory forClient(boolean forClient) {
                    vertx.forClient(forClient);
                    return this;
                }

                @Override
                public SslContextFactory keyMananagerFactory(KeyManagerFactory factory) {
                    vertx.keyMananagerFactory(factory);
                    return this;
                }

                @Override
                public SslContextFactory trustManagerFactory(TrustManagerFactory factory) {
                    vertx.trustManagerFactory(factory);
                    return this;
                }

                @Override
                public SslContextFactory enabledCipherSuites(java.util.Set<String> cipherSuites) {
                    vertx.enabledCipherSuites(cipherSuites);
                    return this;
                }

                @Override
                public SslContextFactory applicationProtocols(List<String> protocols) {
                    vertx.applicationProtocols(protocols);
                    return this;
                }

                @Override
                public SslContextFactory serverName(String serverName) {
                    vertx.serverName(serverName);
                    return this;
                }

                @Override
                public SslContext create() throws SSLException {
                    // set last, whatever Vert.x passed before
                    if (keys != null) {
                        vertx.keyMananagerFactory(keys);
                    }
                    if (trust != null) {
                        vertx.trustManagerFactory(trust);
                        vertx.clientAuth(ClientAuth.REQUIRE);
                    }
                    return vertx.create();
                }
            };
        }
    }
}
