package io.quarkiverse.llmd.engine.autoscaling;

/**
 * One replica's steady state at an offered arrival rate, as {@link QueueingModel#solve(double)} computes it. Rates
 * in requests per second, times in milliseconds.
 *
 * @param arrivalRate offered requests per second
 * @param throughput served requests per second, {@code arrivalRate * (1 - blockingProbability)}
 * @param meanInSystem L, mean requests in the replica (batch plus queue)
 * @param meanBusy B, mean occupied batch slots
 * @param responseMillis T = L / X
 * @param serviceMillis S = B / X, mean time a request holds a batch slot
 * @param waitMillis W = max(0, T - S), mean wait before a slot frees
 * @param utilization B / N, in [0, 1]
 * @param blockingProbability probability that the queue is full (the arrival would be refused)
 * @param ttftMillis predicted mean time to first token
 * @param itlMillis predicted mean inter-token latency
 */
public record QueueState(double arrivalRate, double throughput, double meanInSystem, double meanBusy,
        double responseMillis, double serviceMillis, double waitMillis, double utilization,
        double blockingProbability, double ttftMillis, double itlMillis) {
}
