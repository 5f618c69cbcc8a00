package io.quarkiverse.llmd.runtime.extproc;

import jakarta.inject.Singleton;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.grpc.GrpcService;

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

    private final ExtProcStream.Settings settings;

    public ExternalProcessorService(PoolDirectory pools, LlmdConfig config) {
        this.settings = new ExtProcStream.Settings(pools, config.extProc().maxBodySize().asLongValue(),
                config.extProc().disableEndpointSubsetFilter());
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responseObserver) {
        return new ExtProcStream(settings, responseObserver);
    }
}
