package io.quarkiverse.llmd.engine.autoscaling;

import java.util.Random;

/** Request samples generated from known parameters, with multiplicative noise. */
final class Synthetic {

    private final ServiceParameters truth;
    private final Random random;
    private final double noise;

    Synthetic(ServiceParameters truth, long seed, double noise) {
        this.truth = truth;
        this.random = new Random(seed);
        this.noise = noise;
    }

    /** A request of a random mix, started at a random batch size up to {@code maxBatch}, with a random wait. */
    RequestSample next(int maxBatch) {
        int n = 1 + random.nextInt(maxBatch);
        int prompt = 100 + random.nextInt(3000);
        int output = 2 + random.nextInt(600);
        return sample(n, prompt, output);
    }

    RequestSample sample(int n, int prompt, int output) {
        TokenMix own = new TokenMix(prompt, output);
        double decode = truth.decodeMillis(n, own) * jitter();
        double first = (truth.prefillMillis(n, own) + truth.decodeMillis(n, own)) * jitter();
        double wait = random.nextDouble() * 50;
        return new RequestSample(prompt, output, (first + wait) / 1000, decode / 1000, n, wait / 1000);
    }

    private double jitter() {
        return 1 + noise * random.nextGaussian();
    }
}
