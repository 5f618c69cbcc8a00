package io.quarkiverse.llmd.benchmarks.live;

/**
 * Sends one request of a live run and records its outcome in the {@link LiveLog}; calls {@link LiveRun#ended} once
 * the request has settled. {@link #send} is called from the dispatcher thread (and from client threads for requests
 * the workload's concurrency limit held back) and must not block.
 */
interface Driver extends AutoCloseable {

    /**
     * @param i request index in the log
     * @param body the JSON request body
     * @param path the request path ({@code /v1/chat/completions} or {@code /v1/completions})
     */
    void send(int i, byte[] body, String path);

    /** What the summary's {@code cluster.targets} lists. */
    java.util.List<String> targets();

    @Override
    void close();
}
