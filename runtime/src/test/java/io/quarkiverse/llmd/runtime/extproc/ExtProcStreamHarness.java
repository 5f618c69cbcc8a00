package io.quarkiverse.llmd.runtime.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;

/**
 * Opens {@link ExtProcStream}s outside the gRPC server, for tests in other packages (the fuzz target): no idle timer,
 * no arrival tracer, no delay bound.
 */
public final class ExtProcStreamHarness {

    private final ExtProcGuard guard;
    private final ExtProcStream.Settings settings;

    /**
     * @param maxBodyBytes the body cap of the streams
     * @param maxPending most decisions in progress at once (0: no bound)
     * @param ignoreSubsetHints whether the proxy's subset hint is ignored
     */
    public ExtProcStreamHarness(PoolDirectory pools, long maxBodyBytes, int maxPending, boolean ignoreSubsetHints) {
        this.guard = new ExtProcGuard(0, maxPending, 503);
        this.settings = new ExtProcStream.Settings(pools, maxBodyBytes, ignoreSubsetHints, guard, null, 0, null);
    }

    /** A new stream answering to {@code out}, as the gRPC server would open it. */
    public StreamObserver<ProcessingRequest> open(StreamObserver<ProcessingResponse> out) {
        return new ExtProcStream(settings, out);
    }

    /** Decisions admitted and not yet released, over every stream of this harness. */
    public int pendingDecisions() {
        return guard.pending();
    }
}
