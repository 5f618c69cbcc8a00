package io.quarkiverse.llmd.benchmarks.workload;

/** A workload or cluster file that cannot be used; the message names the file and the field. */
public final class WorkloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WorkloadException(String message) {
        super(message);
    }
}
