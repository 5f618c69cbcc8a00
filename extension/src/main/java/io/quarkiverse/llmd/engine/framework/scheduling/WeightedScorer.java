package io.quarkiverse.llmd.engine.framework.scheduling;

/** A scorer with its weight in a profile. */
public record WeightedScorer(Scorer scorer, double weight) {

    public WeightedScorer {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of " + scorer.typedName() + " must be a finite number >= 0");
        }
    }
}
