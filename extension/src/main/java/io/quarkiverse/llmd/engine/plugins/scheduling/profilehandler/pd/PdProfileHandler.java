package io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.pd;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg.DisaggProfileHandler;

/**
 * {@code pd-profile-handler} (deprecated, use {@code disagg-profile-handler}): prefill/decode disaggregation with
 * the older parameter set. It creates a {@link DisaggProfileHandler} with the encode stage disabled and the prefill
 * stage decided by {@code deciderPluginName}; {@code primaryPort}, when set, rewrites the decode target's port and
 * passes the original {@code ip:port} in {@code x-data-parallel-host-port} (data-parallel ranks behind one sidecar).
 */
public final class PdProfileHandler {

    public static final String TYPE = "pd-profile-handler";
    public static final String DEFAULT_DECIDER = "prefix-based-pd-decider";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        PdParameters p = Parameters.decode(parameters, PdParameters.class);
        return new DisaggProfileHandler(new TypedName(TYPE, name), p.decodeProfile(), p.prefillProfile(), "encode",
                DisaggProfileHandler.decider(handle, "deciderPluginName", p.deciderPluginName()), null,
                p.primaryPort());
    };

    /**
     * @param decodeProfile default {@code decode}
     * @param prefillProfile default {@code prefill}
     * @param prefixPluginType default {@code prefix-cache-scorer}; accepted for compatibility and unused (the decider
     *        reads the per-request PrefixCacheMatchInfo instead of the scorer's state)
     * @param prefixPluginName default the type; accepted for compatibility and unused
     * @param primaryPort 0 (off) or 1-65535
     * @param deciderPluginName the prefill decider, default {@code prefix-based-pd-decider}; the plugin must exist
     */
    public record PdParameters(String decodeProfile, String prefillProfile, String prefixPluginType,
            String prefixPluginName, Integer primaryPort, String deciderPluginName) {

        public PdParameters {
            decodeProfile = orDefault("decodeProfile", decodeProfile, "decode");
            prefillProfile = orDefault("prefillProfile", prefillProfile, "prefill");
            prefixPluginType = orDefault("prefixPluginType", prefixPluginType, "prefix-cache-scorer");
            prefixPluginName = orDefault("prefixPluginName", prefixPluginName, prefixPluginType);
            deciderPluginName = orDefault("deciderPluginName", deciderPluginName, DEFAULT_DECIDER);
            if (primaryPort == null) {
                primaryPort = 0;
            }
            if (primaryPort != 0) {
                Parameters.requireRange("primaryPort", primaryPort, 1, 65535);
            }
            if (decodeProfile.equals(prefillProfile)) {
                throw new PluginConfigException("prefillProfile", "prefillProfile must differ from decodeProfile ('"
                        + decodeProfile + "')");
            }
        }

        private static String orDefault(String field, String value, String defaultValue) {
            if (value == null) {
                return defaultValue;
            }
            if (value.isBlank()) {
                throw new PluginConfigException(field, field + " must not be blank");
            }
            return value;
        }
    }

    private PdProfileHandler() {
    }
}
