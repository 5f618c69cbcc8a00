package io.quarkiverse.llmd.runtime.autoscaler;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.quarkiverse.llmd.engine.autoscaling.Role;
import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The variant autoscaler at runtime ({@code quarkus.llmd.autoscaler.*}): off unless {@code enabled}, then it
 * observes the gateway's requests and pools, decides every {@code interval} and publishes its decisions.
 */
@ConfigMapping(prefix = "quarkus.llmd.autoscaler")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface AutoscalerRuntimeConfig {

    /**
     * Whether the autoscaler runs. Off by default: nothing is observed, no gauge is registered and no actuator is
     * called.
     */
    @WithDefault("false")
    boolean enabled();

    /**
     * Time between two decisions, as WVA's {@code GLOBAL_OPT_INTERVAL} (15 s since WVA v0.9). A model whose
     * requests wait with no replica is decided at once, without waiting for the next interval.
     */
    @WithDefault("15s")
    Duration interval();

    /** Value of the {@code namespace} label of variants that do not name their own namespace. */
    @WithDefault("default")
    String namespace();

    /** Decisions kept for {@code /q/llmd/autoscaler/decisions} (a ring buffer: the oldest go first). */
    @WithDefault("256")
    int decisionLogSize();

    /**
     * Completed requests buffered between two decisions for calibration; beyond it new ones are dropped (and
     * counted), so a burst never grows memory.
     */
    @WithDefault("10000")
    int sampleBufferSize();

    /** Mean time-to-first-token target of models whose variants set none (waiting in the gateway included). */
    @WithDefault("2s")
    Duration ttft();

    /** Mean inter-token-latency target of models whose variants set none; 0 for none. */
    @WithDefault("80ms")
    Duration itl();

    /** How long a lower target must hold before replicas are removed; scale-up is immediate. */
    @WithDefault("5m")
    Duration stabilizationWindow();

    /**
     * Extra demand, as a fraction, the model must still carry at the lower count before it may scale down (0.1: the
     * lower count must carry 110 % of the observed rate).
     */
    @WithDefault("0.1")
    double scaleDownMargin();

    /**
     * How far back arrival rates count for the rising trend the model extrapolates over a variant's cold start, so
     * that replicas are sized for the load expected when they are ready; 0 sizes for the rate seen now.
     */
    @WithDefault("2m")
    Duration trendWindow();

    /**
     * Within how long requests already waiting in the gateway should be served: their count divided by this is added
     * to the rate the model sizes for; 0 ignores the backlog.
     */
    @WithDefault("1m")
    Duration backlogDrainTime();

    /**
     * After how long demand tends to repeat, a whole number of minutes: a day for bursts that come at the same time
     * every day (the start of office hours, a nightly batch), a week for a weekly pattern.
     */
    @WithDefault("24h")
    Duration recurrencePeriod();

    /**
     * How many past periods of each model's arrival rates are remembered, minute by minute. Where the median of
     * them rose, within the coming cold start, by more than Poisson noise explains, replicas are sized for the rise
     * before it comes; a burst seen on half of them or fewer is not planned for. The memory is this process's: a
     * restarted autoscaler starts without it. 0 remembers nothing. {@code (recurring-periods + 1) * recurrence-period}
     * may be at most 262,144 minutes (26 weeks; a week of days is 11,520).
     */
    @WithDefault("7")
    int recurringPeriods();

    /** How long a model must see no load before its variants with {@code min-replicas=0} go to zero. */
    @WithDefault("10m")
    Duration scaleToZeroAfter();

    /**
     * Timings (decodes and first tokens) the online calibration needs before the queueing model may decide; until
     * then the saturation analyzer decides and the decision says "too little data".
     */
    @WithDefault("40")
    int calibrationMinSamples();

    /** The variants to scale, by name (the {@code variant_name} label). */
    Map<String, VariantConfig> variants();

    /** Variants found on the cluster from HPA and KEDA ScaledObject annotations, as WVA finds them. */
    DiscoveryConfig discovery();

    /**
     * CloudEvents of each decision, sent over HTTP in binary mode by the {@code quarkus-llmd-cloud-events} module
     * (SmallRye Reactive Messaging); without that module on the class path, setting {@code url} fails at startup.
     */
    CloudEventsConfig cloudEvents();

    /** Where and how decisions are sent as CloudEvents. */
    interface CloudEventsConfig {

        /**
         * The sink's URL, e.g. a Knative Broker's ingress
         * ({@code http://broker-ingress.knative-eventing.svc.cluster.local/<namespace>/<broker>}) or
         * {@code ${K_SINK}} under a SinkBinding; no events are sent without one. It becomes the {@code url} of the
         * Reactive Messaging channel {@code llmd-autoscaler-decisions}.
         */
        Optional<java.net.URI> url();

        /** The events' {@code source} attribute (a URI reference). */
        @WithDefault("/quarkus-llmd/autoscaler")
        String source();

        /** The events' {@code type} attribute, for Trigger filters. */
        @WithDefault("io.quarkiverse.llmd.autoscaler.decision")
        String type();

        /** Whether only decisions that change the replica count are sent (direction up or down). */
        @WithDefault("false")
        boolean changesOnly();

        /**
         * Events handed to the channel and not yet answered by the sink; beyond it new events are dropped and
         * counted, so a slow or silent sink never holds memory or the loop.
         */
        @WithDefault("64")
        int maxInFlight();
    }

    /**
     * Discovery of variants from {@code llm-d.ai/managed: "true"} HPAs and ScaledObjects; needs the Kubernetes
     * client on the classpath (the {@code knative} or {@code llminferenceservice} module, or
     * {@code quarkus-kubernetes-client}).
     */
    interface DiscoveryConfig {

        /** Whether annotated HPAs and ScaledObjects become variants (besides those declared here). */
        @WithDefault("false")
        boolean enabled();

        /**
         * Namespaces to look in; every namespace when absent (which needs a ClusterRole to list HPAs and
         * ScaledObjects, and to read their scale targets).
         */
        Optional<java.util.List<String>> namespaces();

        /** Time between two listings of HPAs and ScaledObjects. */
        @WithDefault("30s")
        Duration interval();
    }

    /** One variant: a model served on one hardware class, optionally in one prefill/decode role. */
    interface VariantConfig {

        /** Namespace of the variant's scale target (the {@code namespace} label); defaults to {@code namespace}. */
        Optional<String> namespace();

        /** The served model name, exactly as clients name it after rewrites and as vLLM labels its metrics. */
        String model();

        /**
         * The gateway pool whose endpoints are this variant's replicas. Required when the gateway has several
         * pools. Endpoints labelled {@code llm-d.ai/variant=<name>} belong to that variant; an unlabelled endpoint
         * belongs to the pool's only variant (of its {@code llm-d.ai/role}, when variants differ by role).
         */
        Optional<String> pool();

        /** The hardware class, e.g. {@code H100} (the {@code accelerator_type} label). */
        @WithDefault("unknown")
        String accelerator();

        /** What the replicas do: {@code both} (aggregated), {@code prefill} or {@code decode}. */
        @WithDefault("both")
        Role role();

        /**
         * Cost of one replica for one hour, in any unit the model's variants share (WVA's
         * {@code llm-d.ai/variant-cost}, default 10).
         */
        @WithDefault("10")
        double cost();

        /** Lowest replica count; 0 allows scale to zero. */
        @WithDefault("1")
        int minReplicas();

        /** Highest replica count. */
        @WithDefault("10")
        int maxReplicas();

        /** The model's mean time-to-first-token target; overrides {@code quarkus.llmd.autoscaler.ttft}. */
        Optional<Duration> ttft();

        /** The model's mean inter-token-latency target; overrides {@code quarkus.llmd.autoscaler.itl}. */
        Optional<Duration> itl();

        /** The model server's {@code --max-num-seqs}: the batch limit before calibration lowers it. */
        @WithDefault("256")
        int maxNumSeqs();

        /** The model server's {@code --max-num-batched-tokens}; 0 when unknown. */
        @WithDefault("8192")
        int maxNumBatchedTokens();

        /** Time from scheduling a replica to it serving, for the cost of waking the variant from zero. */
        @WithDefault("91s")
        Duration coldStart();

        /**
         * The actuator that applies this variant's decisions: {@code scale} (the {@code spec.replicas} of a
         * Deployment, StatefulSet or LeaderWorkerSet), {@code knative} (the scale annotations of a Knative Service,
         * with the {@code knative} module) or {@code llminferenceservice} ({@code spec.replicas}, or
         * {@code spec.prefill.replicas} for a prefill variant, of a KServe LLMInferenceService, with the
         * {@code llminferenceservice} module). None by default: the decision is published as gauges and in the
         * decision log only, for an HPA or KEDA to act on.
         */
        Optional<String> actuator();

        /** The object the actuator scales. */
        TargetConfig target();
    }

    /** A scale target, as a {@code scaleTargetRef}. */
    interface TargetConfig {

        /**
         * Kind of the object, for instance {@code Deployment}, {@code LeaderWorkerSet}, {@code Service} (Knative) or
         * {@code LLMInferenceService}.
         */
        @WithDefault("Deployment")
        String kind();

        /**
         * API version of the object, for instance {@code apps/v1}, {@code serving.knative.dev/v1} or
         * {@code serving.kserve.io/v1alpha2}.
         */
        @WithDefault("apps/v1")
        String apiVersion();

        /** Name of the object; defaults to the variant's name. */
        Optional<String> name();
    }
}
