package io.quarkiverse.llmd.runtime.extproc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

import io.quarkiverse.llmd.runtime.config.ExtProcConfig;
import io.quarkus.runtime.configuration.ConfigBuilder;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.AbstractConfigSource;

/**
 * Derives the Quarkus gRPC server settings of the ext_proc server from {@code quarkus.llmd.ext-proc.*} at run time
 * (registered by the deployment processor): TLS from {@code secure-serving} and {@code cert-path} (a self-signed
 * certificate is generated into a temporary directory when no directory is given), and an inbound message size that
 * fits a BUFFERED body of {@code max-body-size}. The values sit in a source below {@code application.properties}, so
 * anything set explicitly under {@code quarkus.grpc.server.*} wins.
 */
public final class ExtProcServerConfigBuilder implements ConfigBuilder {

    /** Below application.properties (250) and the environment, above the extensions' defaults. */
    static final int ORDINAL = 110;

    static final String PLAIN_TEXT = "quarkus.grpc.server.plain-text";
    static final String SSL_CERTIFICATE = "quarkus.grpc.server.ssl.certificate";
    static final String SSL_KEY = "quarkus.grpc.server.ssl.key";
    static final String SSL_KEY_STORE = "quarkus.grpc.server.ssl.key-store";
    static final String MAX_INBOUND = "quarkus.grpc.server.max-inbound-message-size";

    private static final Logger LOG = Logger.getLogger(ExtProcServerConfigBuilder.class);
    /** One certificate per JVM: tests restart the application many times. */
    private static volatile Path generatedDir;

    @Override
    public SmallRyeConfigBuilder configBuilder(SmallRyeConfigBuilder builder) {
        return builder.withSources(new Factory());
    }

    static final class Factory implements ConfigSourceFactory {

        @Override
        public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
            boolean secure = !"false".equalsIgnoreCase(value(context, "quarkus.llmd.ext-proc.secure-serving", "true"));
            String certPath = value(context, "quarkus.llmd.ext-proc.cert-path", null);
            MemorySize maxBody = new MemorySizeConverter().convert(
                    value(context, "quarkus.llmd.ext-proc.max-body-size", ExtProcConfig.DEFAULT_MAX_BODY_SIZE));
            boolean userTls = present(context, SSL_CERTIFICATE) || present(context, SSL_KEY_STORE);
            return List.of(new DerivedSource(secure, certPath, userTls, maxBody.asLongValue()));
        }

        @Override
        public OptionalInt getPriority() {
            return OptionalInt.of(ORDINAL);
        }
    }

    private static String value(ConfigSourceContext context, String name, String defaultValue) {
        ConfigValue v = context.getValue(name);
        return v == null || v.getValue() == null || v.getValue().isBlank() ? defaultValue : v.getValue().trim();
    }

    private static boolean present(ConfigSourceContext context, String name) {
        return value(context, name, null) != null;
    }

    /** The derived properties; the certificate is generated on first read only. */
    static final class DerivedSource extends AbstractConfigSource {

        private final boolean secure;
        private final String certPath;
        private final boolean userTls;
        private final long maxBody;
        private volatile Map<String, String> properties;

        DerivedSource(boolean secure, String certPath, boolean userTls, long maxBody) {
            super("quarkus-llmd ext_proc server", ORDINAL);
            this.secure = secure;
            this.certPath = certPath;
            this.userTls = userTls;
            this.maxBody = maxBody;
        }

        @Override
        public Set<String> getPropertyNames() {
            if (secure && !userTls) {
                return Set.of(PLAIN_TEXT, SSL_CERTIFICATE, SSL_KEY, MAX_INBOUND);
            }
            return Set.of(PLAIN_TEXT, MAX_INBOUND);
        }

        @Override
        public Map<String, String> getProperties() {
            Map<String, String> p = properties;
            if (p == null) {
                p = compute();
                properties = p;
            }
            return p;
        }

        @Override
        public String getValue(String propertyName) {
            if (!getPropertyNames().contains(propertyName)) {
                return null;
            }
            return getProperties().get(propertyName);
        }

        private synchronized Map<String, String> compute() {
            if (properties != null) {
                return properties;
            }
            Map<String, String> p = new HashMap<>();
            // a BUFFERED request body arrives in one message: leave room for the envelope and headers
            long inbound = Math.max(4L << 20, maxBody + (1L << 20));
            p.put(MAX_INBOUND, Long.toString(Math.min(Integer.MAX_VALUE, inbound)));
            p.put(PLAIN_TEXT, Boolean.toString(!secure));
            if (secure && !userTls) {
                Path dir = certPath != null ? Path.of(certPath) : generatedDirectory();
                p.put(SSL_CERTIFICATE, dir.resolve("tls.crt").toString());
                p.put(SSL_KEY, dir.resolve("tls.key").toString());
            }
            return Map.copyOf(p);
        }
    }

    static Path generatedDirectory() {
        Path dir = generatedDir;
        if (dir == null) {
            synchronized (ExtProcServerConfigBuilder.class) {
                dir = generatedDir;
                if (dir == null) {
                    try {
                        dir = SelfSignedCertificate.generate().writeToTempDirectory();
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write the self-signed ext_proc certificate", e);
                    }
                    LOG.infof("ext_proc TLS: generated a self-signed certificate in %s", dir);
                    generatedDir = dir;
                }
            }
        }
        return dir;
    }
}
