package io.quarkiverse.llmd.runtime.extproc;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.runtime.config.ExtProcConfig;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.core.Vertx;
import io.vertx.grpc.VertxServerBuilder;

/**
 * Certificate reload ({@code cert-reload-period}) and mutual TLS ({@code client-ca-path}) of the ext_proc server: see
 * {@link ReloadingTls}. The server certificate is reloaded only when it is the one from {@code cert-path} (not when
 * {@code quarkus.grpc.server.ssl.*} is configured explicitly, nor for the generated one, which never changes).
 */
@Singleton
public class ExtProcTlsCustomizer implements ServerBuilderCustomizer<VertxServerBuilder> {

    private static final String PREFIX = "quarkus.llmd.ext-proc.";

    private final ExtProcConfig config;
    private final Vertx vertx;
    private ReloadingTls tls;

    public ExtProcTlsCustomizer(LlmdConfig config, Vertx vertx) {
        this.config = config.extProc();
        this.vertx = vertx;
    }

    @Override
    public synchronized void customize(GrpcServerConfiguration grpc, VertxServerBuilder builder) {
        Optional<Path> ca = config.clientCaPath();
        if (config.certReloadPeriod().isNegative()) {
            throw new ConfigException(PREFIX + "cert-reload-period", 0, null,
                    "must not be negative (0 reads the files at start only), not " + config.certReloadPeriod());
        }
        if (!config.secureServing() || grpc.plainText()) {
            if (ca.isPresent()) {
                throw new ConfigException(PREFIX + "client-ca-path", 0, null,
                        "client certificates need TLS: secure-serving is off");
            }
            return;
        }
        Path certDir = config.certPath()
                .filter(dir -> grpc.ssl().certificate().map(dir.resolve("tls.crt")::equals).orElse(false))
                .orElse(null);
        if (certDir == null && ca.isEmpty()) {
            return;
        }
        if (tls == null) {
            // one set of managers (and one reload timer) for every instance of the server Quarkus builds
            tls = new ReloadingTls(vertx, certDir, ca.orElse(null));
            tls.reloadEvery(config.certReloadPeriod());
        }
        try {
            ReloadingTls.EngineOptions engine = tls.engineOptions();
            builder.useSsl(options -> options.setSslEngineOptions(engine));
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up the ext_proc server's TLS managers", e);
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (tls != null) {
            tls.stop();
            tls = null;
        }
    }
}
