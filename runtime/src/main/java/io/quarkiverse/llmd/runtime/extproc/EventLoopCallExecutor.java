package io.quarkiverse.llmd.runtime.extproc;

import java.util.concurrent.Executor;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/**
 * Runs the ext_proc stream's callbacks on the event loop that read the message, at once, instead of queueing each
 * one as a new event-loop task.
 * <p>
 * Why: the gRPC server Quarkus builds hands every callback to {@code Context.runOnContext}, and Quarkus's
 * duplicated-context interceptor, finding itself on the root context, queues it a second time onto the call's
 * duplicated context. Each inbound message therefore cost two task-queue round trips on the loop that had just read
 * it, and under load the queued tasks (not the socket) are where messages waited. Here each call gets its duplicated
 * context up front and every callback is emitted on it directly when the caller is that loop (the transport always
 * is), so the interceptor sees its own context and runs inline too. Callbacks from another thread are still queued.
 * <p>
 * The ext_proc stream never blocks, so running it on the transport thread is safe; gRPC's serializing executor keeps
 * the callbacks of one call in order. Applies only to {@code method}; other calls keep the server's executor.
 */
final class EventLoopCallExecutor implements ServerCallExecutorSupplier {

    private static final Handler<Runnable> RUN = Runnable::run;

    private final String method;

    /** @param method the full gRPC method name to run inline */
    EventLoopCallExecutor(String method) {
        this.method = method;
    }

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        if (!method.equals(call.getMethodDescriptor().getFullMethodName())) {
            return null;
        }
        // gRPC looks the method up on the server's executor, i.e. on the connection's event-loop context
        Context current = Vertx.currentContext();
        if (!(current instanceof ContextInternal ctx) || !ctx.isEventLoopContext()) {
            return null;
        }
        ContextInternal callContext = ctx.isDuplicate() ? ctx : ctx.duplicate();
        return task -> callContext.emit(task, RUN);
    }
}
