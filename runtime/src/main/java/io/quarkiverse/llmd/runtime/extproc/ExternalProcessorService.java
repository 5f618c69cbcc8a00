package io.quarkiverse.llmd.runtime.extproc;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.grpc.GrpcService;
import io.vertx.core.Vertx;

/**
 * The Envoy ext_proc endpoint picker: {@code envoy.service.ext_proc.v3.ExternalProcessor/Process}, one bidirectional
 * stream per HTTP request, served by the Quarkus gRPC server (port 9002 by default, TLS unless
 * {@code quarkus.llmd.ext-proc.secure-serving=false}). Each stream is an {@link ExtProcStream}.
 * <p>
 * {@code implements BindableService} is repeated on purpose: the Envoy API jar is not indexed, so without it Quarkus
 * would not see the generated base class's interface and would not register the service.
 */
@GrpcService
@Singleton
public class ExternalProcessorService extends ExternalProcessorGrpc.ExternalProcessorImplBase
        implements BindableService {

    /** Counter of decisions refused for overload, label {@code reason}: {@code late} or {@code backlog}. */
    public static final String SHED = "llm_d_epp_extproc_overload_refusals";
    /** Gauge of decisions in progress. */
    public static final String PENDING = "llm_d_epp_extproc_pending_decisions";

    private final ExtProcStream.Settings settings;
    private final ExtProcGuard guard;

    public ExternalProcessorService(PoolDirectory pools, LlmdConfig config, Vertx vertx, Instance<MeterRegistry> meters) {
        var x = config.extProc();
        if (x.maxDecisionDelay().isNegative() || x.streamIdleTimeout().isNegative()) {
            throw new ConfigException("quarkus.llmd.ext-proc."
                    + (x.maxDecisionDelay().isNegative() ? "max-decision-delay" : "stream-idle-timeout"), 0, null,
                    "must not be negative (0 switches it off)");
        }
        try {
            this.guard = new ExtProcGuard(x.maxDecisionDelay().toNanos(), x.maxPendingDecisions(),
                    x.overloadStatus());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("quarkus.llmd.ext-proc.overload-status", 0, null, e.getMessage());
        }
        this.settings = new ExtProcStream.Settings(pools, x.maxBodySize().asLongValue(),
                x.disableEndpointSubsetFilter(), guard, vertx, x.streamIdleTimeout().toMillis());
        if (meters.isResolvable()) {
            var registry = meters.get();
            FunctionCounter.builder(SHED, guard, ExtProcGuard::shedLate)
                    .tag("reason", "late").description("ext_proc decisions refused because the gateway was behind")
                    .register(registry);
            FunctionCounter.builder(SHED, guard, ExtProcGuard::shedBacklog)
                    .tag("reason", "backlog").description("ext_proc decisions refused because too many were pending")
                    .register(registry);
            Gauge.builder(PENDING, guard, ExtProcGuard::pending)
                    .description("ext_proc decisions in progress").register(registry);
        }
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responseObserver) {
        return new ExtProcStream(settings, responseObserver);
    }
}
