package io.quarkiverse.llmd.runtime.extproc;

import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
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

    /**
     * Counter of requests refused for overload, label {@code reason}: {@code late}, {@code lag} (the event loop was
     * behind) or {@code backlog}.
     */
    public static final String SHED = "llm_d_epp_extproc_overload_refusals";
    /** Gauge of decisions in progress. */
    public static final String PENDING = "llm_d_epp_extproc_pending_decisions";
    /** Gauge of the largest event-loop lag now, in seconds. */
    public static final String LAG = "llm_d_epp_extproc_event_loop_lag_seconds";
    /** How often the lag probe fires on each event loop. */
    static final long LAG_PROBE_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ExtProcStream.Settings settings;
    private final ExtProcGuard guard;
    /** The probe, or null when the lag bound is off. */
    private final EventLoopLag lag;
    /** The answer to a stream refused at its start: built once, it does not depend on the request. */
    private final ProcessingResponse lagRefusal;

    public ExternalProcessorService(PoolDirectory pools, LlmdConfig config, Vertx vertx, Instance<MeterRegistry> meters,
            ExtProcWarmUp warmUp) {
        var x = config.extProc();
        String negative = x.maxDecisionDelay().isNegative() ? "max-decision-delay"
                : x.streamIdleTimeout().isNegative() ? "stream-idle-timeout"
                        : x.maxEventLoopLag().isNegative() ? "max-event-loop-lag" : null;
        if (negative != null) {
            throw new ConfigException("quarkus.llmd.ext-proc." + negative, 0, null,
                    "must not be negative (0 switches it off)");
        }
        try {
            this.guard = new ExtProcGuard(x.maxDecisionDelay().toNanos(), x.maxEventLoopLag().toNanos(),
                    x.maxPendingDecisions(), x.overloadStatus());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("quarkus.llmd.ext-proc.overload-status", 0, null, e.getMessage());
        }
        this.lagRefusal = ExtProcMessages.immediate(guard.lagRefusal());
        this.lag = x.maxEventLoopLag().isZero() || vertx == null ? null
                : new EventLoopLag(vertx.nettyEventLoopGroup(), LAG_PROBE_PERIOD_NANOS);
        this.settings = new ExtProcStream.Settings(pools, x.maxBodySize().asLongValue(),
                x.disableEndpointSubsetFilter(), guard, vertx, x.streamIdleTimeout().toMillis(), warmUp.token());
        if (meters.isResolvable()) {
            var registry = meters.get();
            FunctionCounter.builder(SHED, guard, ExtProcGuard::shedLate)
                    .tag("reason", "late").description("ext_proc decisions refused because the gateway was behind")
                    .register(registry);
            FunctionCounter.builder(SHED, guard, ExtProcGuard::shedLag)
                    .tag("reason", "lag").description("ext_proc requests refused because the event loop was behind")
                    .register(registry);
            if (lag != null) {
                Gauge.builder(LAG, lag, l -> l.maxNanos() / 1e9)
                        .description("largest lag of an event loop serving ext_proc").register(registry);
            }
            FunctionCounter.builder(SHED, guard, ExtProcGuard::shedBacklog)
                    .tag("reason", "backlog").description("ext_proc decisions refused because too many were pending")
                    .register(registry);
            Gauge.builder(PENDING, guard, ExtProcGuard::pending)
                    .description("ext_proc decisions in progress").register(registry);
        }
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responseObserver) {
        ArrivalTracer tracer = ArrivalTracer.current();
        long lagAtStart = tracer != null ? tracer.lagAtStart() : EventLoopLag.currentNanos();
        if (guard.refuseStream(lagAtStart)) {
            // the loop is behind: answer before parsing anything, the cheapest way to let it catch up
            return new RefusedStream(responseObserver, lagRefusal);
        }
        return new ExtProcStream(settings, responseObserver);
    }

    @PreDestroy
    void stop() {
        if (lag != null) {
            lag.close();
        }
    }

    /**
     * A stream refused at its start: the ImmediateResponse answers whatever Envoy sent first (the request headers),
     * the call ends, and whatever else arrives is dropped unread.
     */
    static final class RefusedStream implements StreamObserver<ProcessingRequest> {

        RefusedStream(StreamObserver<ProcessingResponse> out, ProcessingResponse refusal) {
            try {
                out.onNext(refusal);
                out.onCompleted();
            } catch (RuntimeException e) {
                // the call was cancelled meanwhile: nothing to answer
            }
        }

        @Override
        public void onNext(ProcessingRequest value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
