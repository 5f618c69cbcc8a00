package io.quarkiverse.llmd.gateway.epp;

import java.util.List;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;

/**
 * The application in EPP mode, once Quarkus has started with the configuration {@link EppMain} derived from the
 * flags: says what the flags made of it, with Quarkus's logging (JSON if {@code --zap-encoder json}), then runs until
 * shut down.
 */
public final class EppApplication implements QuarkusApplication {

    private static final Logger LOG = Logger.getLogger(EppApplication.class);

    @Override
    public int run(String... args) throws Exception {
        // EppMain has already parsed these arguments successfully; parsing is pure, so this gives the same result
        EppOptions options = EppCommandLine.parse(List.of(args), System.getenv());
        for (EppOptions.Note note : options.notes()) {
            if (note.severity() == EppFlag.Severity.WARN) {
                LOG.warn(note.message());
            } else {
                LOG.info(note.message());
            }
        }
        if (options.inferencePoolMode()) {
            LOG.infof("EPP mode: InferencePool %s/%s (%s)", options.poolNamespace(), options.poolName().orElseThrow(),
                    options.poolGroup());
        } else {
            LOG.infof("EPP mode: pods matching %s in %s, ports %s", options.endpointSelector().orElseThrow(),
                    options.poolNamespace(), options.endpointTargetPorts());
        }
        Quarkus.waitForExit();
        return 0;
    }
}
