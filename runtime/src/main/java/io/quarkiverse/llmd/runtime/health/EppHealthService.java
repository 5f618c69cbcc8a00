package io.quarkiverse.llmd.runtime.health;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * gRPC Health v1 as llm-d's EPP answers it (reference scheduler-epp.md 1.10): {@code liveness} is always SERVING;
 * {@code readiness}, {@code envoy.service.ext_proc.v3.ExternalProcessor} and the overall {@code ""} are SERVING once
 * the pool is synced (it holds at least one endpoint), NOT_SERVING before. {@code Check} of any other name fails with
 * NOT_FOUND, as the health protocol asks; {@code Watch} of one answers SERVICE_UNKNOWN. Not a CDI bean on purpose: it
 * must not end up on the ext_proc server.
 */
public final class EppHealthService extends HealthGrpc.HealthImplBase {

    public static final String LIVENESS = "liveness";
    public static final String READINESS = "readiness";
    public static final String EXT_PROC = "envoy.service.ext_proc.v3.ExternalProcessor";

    /** SERVICE_UNKNOWN of the health proto (only used by Watch); the bundled stubs predate the constant. */
    public static final int SERVICE_UNKNOWN_VALUE = 3;

    private final BooleanSupplier ready;
    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();

    public EppHealthService(BooleanSupplier ready) {
        this.ready = ready;
    }

    /** The status of a service name, or null when the name is unknown. */
    public ServingStatus status(String service) {
        return switch (service) {
            case LIVENESS -> ServingStatus.SERVING;
            case READINESS, EXT_PROC, "" -> ready.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            default -> null;
        };
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responseObserver) {
        ServingStatus status = status(request.getService());
        if (status == null) {
            responseObserver.onError(Status.NOT_FOUND.withDescription("unknown service " + request.getService())
                    .asRuntimeException());
            return;
        }
        responseObserver.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
        responseObserver.onCompleted();
    }

    @Override
    public void watch(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responseObserver) {
        Watcher watcher = new Watcher(request.getService(), responseObserver);
        if (responseObserver instanceof ServerCallStreamObserver<HealthCheckResponse> server) {
            server.setOnCancelHandler(() -> watchers.remove(watcher));
        }
        watchers.add(watcher);
        watcher.refresh();
    }

    /** Sends changed statuses to watchers; called periodically by the server. */
    void refreshWatchers() {
        for (Watcher w : watchers) {
            w.refresh();
        }
    }

    /** Ends every watch (server shutdown). */
    void closeWatchers() {
        for (Watcher w : watchers) {
            w.close();
        }
        watchers.clear();
    }

    private final class Watcher {
        private final String service;
        private final StreamObserver<HealthCheckResponse> observer;
        private int last = -1;

        Watcher(String service, StreamObserver<HealthCheckResponse> observer) {
            this.service = service;
            this.observer = observer;
        }

        synchronized void refresh() {
            ServingStatus known = status(service);
            int status = known == null ? SERVICE_UNKNOWN_VALUE : known.getNumber();
            if (status != last) {
                last = status;
                try {
                    observer.onNext(HealthCheckResponse.newBuilder().setStatusValue(status).build());
                } catch (RuntimeException e) {
                    watchers.remove(this);
                }
            }
        }

        synchronized void close() {
            try {
                observer.onCompleted();
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }
}
