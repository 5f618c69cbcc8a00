package io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.PreRequest;
import io.quarkiverse.llmd.engine.framework.scheduling.DisaggDecision;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.PdDecider;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileHandler;
import io.quarkiverse.llmd.engine.framework.scheduling.ProfileRunResult;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulerProfile;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;

/**
 * {@code disagg-profile-handler}: prefill/decode and encode/prefill/decode disaggregation (reference 6.1).
 * <ol>
 * <li>Runs the decode profile; if it finds nothing the request fails.</li>
 * <li>If an encode decider is configured and says yes for the decode endpoint, runs the encode profile.</li>
 * <li>If a prefill decider is configured and says yes, runs the prefill profile.</li>
 * <li>The decode profile is primary: its endpoint receives the request.</li>
 * </ol>
 * A stage without a decider is disabled. A stage whose profile finds no endpoint is skipped rather than failing the
 * request: the decode pod can always do the work itself. As a pre-request hook it sets
 * {@code x-prefiller-host-port} (first prefill endpoint) and {@code x-encoder-hosts-ports} (all encode endpoints,
 * comma-separated) for the stages that ran and removes them otherwise; the decision is stored under
 * {@link DisaggDecision#KEY}.
 */
public final class DisaggProfileHandler implements ProfileHandler, PreRequest {

    public static final String TYPE = "disagg-profile-handler";
    public static final String PREFILLER_HEADER = "x-prefiller-host-port";
    public static final String ENCODERS_HEADER = "x-encoder-hosts-ports";
    public static final String DATA_PARALLEL_HEADER = "x-data-parallel-host-port";

    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        DisaggParameters p = Parameters.decode(parameters, DisaggParameters.class);
        boolean flat = p.usesFlatParameters();
        return new DisaggProfileHandler(new TypedName(TYPE, name), p.profiles().decode(), p.profiles().prefill(),
                p.profiles().encode(),
                decider(handle, flat ? p.prefillDeciderField() : "deciders.prefill", p.deciders().prefill()),
                decider(handle, flat ? "encodeDeciderPluginName" : "deciders.encode", p.deciders().encode()), 0);
    };

    /** Original {@code ip:port} of the decode endpoint before a {@code primaryPort} rewrite. */
    private static final DataKey<String> DATA_PARALLEL_TARGET = DataKey.of("DisaggDataParallelTarget", String.class,
            null);

    /**
     * Parameters: either the nested {@code profiles}/{@code deciders} blocks or the legacy flat fields, not both.
     * After decoding, {@link #profiles()} and {@link #deciders()} hold the effective values in either case.
     */
    public record DisaggParameters(Profiles profiles, Deciders deciders, String decodeProfile, String prefillProfile,
            String encodeProfile, String prefillDeciderPluginName, String deciderPluginName,
            String encodeDeciderPluginName) {

        public DisaggParameters {
            String flatField = firstFlatField(decodeProfile, prefillProfile, encodeProfile, prefillDeciderPluginName,
                    deciderPluginName, encodeDeciderPluginName);
            if (flatField != null && (profiles != null || deciders != null)) {
                throw new PluginConfigException(flatField, "legacy parameter '" + flatField + "' cannot be mixed with '"
                        + (profiles != null ? "profiles" : "deciders") + "'; use only profiles.{decode,prefill,encode}"
                        + " and deciders.{prefill,encode}");
            }
            if (flatField != null) {
                requireName("decodeProfile", decodeProfile);
                requireName("prefillProfile", prefillProfile);
                requireName("encodeProfile", encodeProfile);
                requireName("prefillDeciderPluginName", prefillDeciderPluginName);
                requireName("deciderPluginName", deciderPluginName);
                requireName("encodeDeciderPluginName", encodeDeciderPluginName);
                if (prefillDeciderPluginName != null && deciderPluginName != null
                        && !prefillDeciderPluginName.equals(deciderPluginName)) {
                    throw new PluginConfigException("deciderPluginName", "deciderPluginName ('" + deciderPluginName
                            + "') and prefillDeciderPluginName ('" + prefillDeciderPluginName
                            + "') name different deciders; keep only prefillDeciderPluginName");
                }
                profiles = new Profiles(decodeProfile, prefillProfile, encodeProfile);
                deciders = new Deciders(prefillDeciderPluginName != null ? prefillDeciderPluginName : deciderPluginName,
                        encodeDeciderPluginName);
            } else {
                profiles = profiles == null ? new Profiles(null, null, null) : profiles;
                deciders = deciders == null ? new Deciders(null, null) : deciders;
            }
        }

        boolean usesFlatParameters() {
            return firstFlatField(decodeProfile, prefillProfile, encodeProfile, prefillDeciderPluginName,
                    deciderPluginName, encodeDeciderPluginName) != null;
        }

        String prefillDeciderField() {
            return prefillDeciderPluginName != null ? "prefillDeciderPluginName" : "deciderPluginName";
        }

        private static String firstFlatField(String decodeProfile, String prefillProfile, String encodeProfile,
                String prefillDeciderPluginName, String deciderPluginName, String encodeDeciderPluginName) {
            String[] names = { "decodeProfile", "prefillProfile", "encodeProfile", "prefillDeciderPluginName",
                    "deciderPluginName", "encodeDeciderPluginName" };
            String[] values = { decodeProfile, prefillProfile, encodeProfile, prefillDeciderPluginName,
                    deciderPluginName, encodeDeciderPluginName };
            for (int i = 0; i < names.length; i++) {
                if (values[i] != null) {
                    return names[i];
                }
            }
            return null;
        }
    }

    /**
     * Profile names of the stages; they must differ from each other.
     *
     * @param decode default {@code decode}
     * @param prefill default {@code prefill}
     * @param encode default {@code encode}
     */
    public record Profiles(String decode, String prefill, String encode) {

        public Profiles {
            decode = requireName("profiles.decode", decode) == null ? "decode" : decode;
            prefill = requireName("profiles.prefill", prefill) == null ? "prefill" : prefill;
            encode = requireName("profiles.encode", encode) == null ? "encode" : encode;
            if (decode.equals(prefill) || decode.equals(encode) || prefill.equals(encode)) {
                throw new PluginConfigException("profiles", "the decode, prefill and encode profiles must be different,"
                        + " got " + decode + ", " + prefill + ", " + encode);
            }
        }
    }

    /**
     * Names of the decider plugins; an unset decider disables its stage.
     *
     * @param prefill decider for the prefill stage, for instance {@code prefix-based-pd-decider}
     * @param encode decider for the encode stage, for instance {@code always-disagg-multimodal-decider}
     */
    public record Deciders(String prefill, String encode) {

        public Deciders {
            requireName("deciders.prefill", prefill);
            requireName("deciders.encode", encode);
        }
    }

    private final TypedName typedName;
    private final String decodeProfile;
    private final String prefillProfile;
    private final String encodeProfile;
    private final PdDecider prefillDecider;
    private final PdDecider encodeDecider;
    private final int primaryPort;

    /**
     * @param typedName the plugin identity (the deprecated {@code pd-profile-handler} reuses this class)
     * @param prefillDecider null to disable the prefill stage
     * @param encodeDecider null to disable the encode stage
     * @param primaryPort 0, or the port the decode target is rewritten to (the original {@code ip:port} then goes
     *        into {@code x-data-parallel-host-port}); only the deprecated {@code pd-profile-handler} sets it
     */
    public DisaggProfileHandler(TypedName typedName, String decodeProfile, String prefillProfile, String encodeProfile,
            PdDecider prefillDecider, PdDecider encodeDecider, int primaryPort) {
        this.typedName = typedName;
        this.decodeProfile = decodeProfile;
        this.prefillProfile = prefillProfile;
        this.encodeProfile = encodeProfile;
        this.prefillDecider = prefillDecider;
        this.encodeDecider = encodeDecider;
        this.primaryPort = primaryPort;
    }

    /**
     * The decider plugin named {@code name}, or null when {@code name} is null (stage disabled).
     *
     * @param field parameter path to name in errors
     */
    public static PdDecider decider(PluginHandle handle, String field, String name) {
        if (name == null) {
            return null;
        }
        Plugin plugin = handle.plugin(name).orElseThrow(() -> new PluginConfigException(field, "no plugin named '"
                + name + "'; declare the decider in plugins (for example type prefix-based-pd-decider)"));
        if (!(plugin instanceof PdDecider decider)) {
            throw new PluginConfigException(field, "plugin '" + name + "' (" + plugin.typedName().type()
                    + ") is not a decider");
        }
        return decider;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    public String decodeProfile() {
        return decodeProfile;
    }

    public String prefillProfile() {
        return prefillProfile;
    }

    public String encodeProfile() {
        return encodeProfile;
    }

    public PdDecider prefillDecider() {
        return prefillDecider;
    }

    public PdDecider encodeDecider() {
        return encodeDecider;
    }

    @Override
    public void checkProfiles(Set<String> profileNames) {
        // Caught at load time: a misspelt profile would otherwise fail every request, or silently never disaggregate.
        if (!profileNames.contains(decodeProfile)) {
            throw new PluginConfigException(null, "decode profile '" + decodeProfile + "' is not configured; profiles: "
                    + profileNames);
        }
        if (prefillDecider != null && !profileNames.contains(prefillProfile)) {
            throw new PluginConfigException(null, "prefill decider '" + prefillDecider.typedName().name()
                    + "' is configured but prefill profile '" + prefillProfile + "' is not; profiles: " + profileNames);
        }
        if (encodeDecider != null && !profileNames.contains(encodeProfile)) {
            throw new PluginConfigException(null, "encode decider '" + encodeDecider.typedName().name()
                    + "' is configured but encode profile '" + encodeProfile + "' is not; profiles: " + profileNames);
        }
    }

    @Override
    public List<SchedulerProfile> pick(SchedulingContext context, Map<String, SchedulerProfile> profiles,
            Map<String, ProfileRunResult> resultsSoFar) {
        if (!resultsSoFar.containsKey(decodeProfile)) {
            SchedulerProfile decode = profiles.get(decodeProfile);
            return decode == null ? List.of() : List.of(decode);
        }
        ProfileRunResult decode = resultsSoFar.get(decodeProfile);
        // Prefill is the last stage: once it has run (or failed) there is nothing left to do.
        if (decode == null || resultsSoFar.containsKey(prefillProfile)) {
            return List.of();
        }
        // Each decider is asked at most once: encode only while it has not run, prefill only when returning.
        Endpoint target = decode.primary();
        if (encodeDecider != null && !resultsSoFar.containsKey(encodeProfile)) {
            SchedulerProfile encode = profiles.get(encodeProfile);
            if (encode != null && encodeDecider.disaggregate(context, target)) {
                return List.of(encode);
            }
        }
        if (prefillDecider != null) {
            SchedulerProfile prefill = profiles.get(prefillProfile);
            if (prefill != null && prefillDecider.disaggregate(context, target)) {
                return List.of(prefill);
            }
        }
        return List.of();
    }

    @Override
    public SchedulingResult processResults(SchedulingContext context, Map<String, ProfileRunResult> results) {
        ProfileRunResult decode = results.get(decodeProfile);
        if (decode == null) {
            return SchedulingResult.failed(results);
        }
        boolean encoded = encodeDecider != null && results.get(encodeProfile) != null;
        boolean prefilled = prefillDecider != null && results.get(prefillProfile) != null;
        context.put(DisaggDecision.KEY, DisaggDecision.of(encoded, prefilled));
        if (primaryPort == 0) {
            return new SchedulingResult(decodeProfile, results);
        }
        // Data-parallel ranks: the sidecar listens on primaryPort and is told the rank in x-data-parallel-host-port.
        // Only the primary target is rewritten; fallbacks then reach their rank directly, without a header that would
        // name another pod's rank.
        Endpoint original = decode.primary();
        context.put(DATA_PARALLEL_TARGET, original.address());
        List<ScoredEndpoint> targets = new ArrayList<>(decode.targets());
        Endpoint rewritten = new Endpoint(original.name(), original.host() + ":" + primaryPort, original.labels(),
                original.metrics());
        targets.set(0, new ScoredEndpoint(rewritten, targets.get(0).score()));
        Map<String, ProfileRunResult> rewrittenResults = new LinkedHashMap<>(results);
        rewrittenResults.put(decodeProfile, new ProfileRunResult(targets));
        return new SchedulingResult(decodeProfile, rewrittenResults);
    }

    @Override
    public void preRequest(SchedulingContext context, SchedulingResult result) {
        if (!context.addedHeaders().isEmpty()) {
            // Delete then set, so that a value left by an earlier hook never survives a skipped stage.
            Map<String, String> headers = context.mutableHeaders();
            headers.remove(PREFILLER_HEADER);
            headers.remove(ENCODERS_HEADER);
            headers.remove(DATA_PARALLEL_HEADER);
        }
        if (!result.succeeded()) {
            return;
        }
        ProfileRunResult prefill = prefillDecider == null ? null : result.profile(prefillProfile);
        if (prefill != null) {
            context.mutableHeaders().put(PREFILLER_HEADER, prefill.primary().address());
        }
        ProfileRunResult encode = encodeDecider == null ? null : result.profile(encodeProfile);
        if (encode != null) {
            StringBuilder hosts = new StringBuilder();
            for (ScoredEndpoint target : encode.targets()) {
                if (!hosts.isEmpty()) {
                    hosts.append(',');
                }
                hosts.append(target.endpoint().address());
            }
            context.mutableHeaders().put(ENCODERS_HEADER, hosts.toString());
        }
        String dataParallelTarget = primaryPort == 0 ? null : context.get(DATA_PARALLEL_TARGET);
        if (dataParallelTarget != null) {
            context.mutableHeaders().put(DATA_PARALLEL_HEADER, dataParallelTarget);
        }
    }

    private static String requireName(String field, String value) {
        if (value != null && value.isBlank()) {
            throw new PluginConfigException(field, field + " must not be blank");
        }
        return value;
    }
}
