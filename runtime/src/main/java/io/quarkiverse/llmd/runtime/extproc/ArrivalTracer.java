package io.quarkiverse.llmd.runtime.extproc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;

/**
 * Timestamps each inbound message of a gRPC stream when the transport has read it, before it waits for the
 * application, so that the endpoint picker can tell how long a message queued behind others (an event loop that fell
 * behind under overload) and refuse a decision that is already late instead of making it later still; and how far
 * behind the reading event loop was when the stream's headers were read. The tracer of a stream is reachable through
 * the call's {@link Context} ({@link #current()}).
 * <p>
 * Per stream it keeps the arrival times of at most {@value #KEPT} messages not yet handled; beyond that the oldest is
 * overwritten, which only makes the next handled message look later than it was (a late answer errs on refusing).
 */
final class ArrivalTracer extends ServerStreamTracer {

    static final int KEPT = 16;
    private static final Context.Key<ArrivalTracer> KEY = Context.key("llmd-arrival-tracer");

    /** The factory to register on the server builder. */
    static final ServerStreamTracer.Factory FACTORY = new ServerStreamTracer.Factory() {
        @Override
        public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
            // the transport is reading the stream's headers now: how far behind is this loop?
            return new ArrivalTracer(EventLoopLag.currentNanos());
        }
    };

    private final long[] arrivals = new long[KEPT];
    private final long lagAtStart;
    private int head;
    private int size;

    ArrivalTracer() {
        this(0);
    }

    /** @param lagAtStart the lag of the event loop when it read the stream's headers */
    ArrivalTracer(long lagAtStart) {
        this.lagAtStart = lagAtStart;
    }

    /**
     * The lag of the reading event loop when the stream started, in nanoseconds (see {@link EventLoopLag}): taken
     * before gRPC looks the method up, so that the first call's own setup does not count as waiting.
     */
    long lagAtStart() {
        return lagAtStart;
    }

    /** The tracer of the calling gRPC stream, or null when the server runs without it (another transport). */
    static ArrivalTracer current() {
        return KEY.get();
    }

    @Override
    public Context filterContext(Context context) {
        return context.withValue(KEY, this);
    }

    @Override
    public void inboundMessage(int seqNo) {
        long now = System.nanoTime();
        synchronized (this) {
            if (size == KEPT) {
                head = (head + 1) % KEPT;
                size--;
            }
            arrivals[(head + size) % KEPT] = now;
            size++;
        }
    }

    /**
     * When the message now being handled arrived (messages are handled in the order they arrived), or
     * {@code fallback} when none was recorded.
     */
    synchronized long next(long fallback) {
        if (size == 0) {
            return fallback;
        }
        long t = arrivals[head];
        head = (head + 1) % KEPT;
        size--;
        return t;
    }
}
