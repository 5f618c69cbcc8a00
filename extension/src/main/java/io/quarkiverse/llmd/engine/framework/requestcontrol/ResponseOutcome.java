package io.quarkiverse.llmd.engine.framework.requestcontrol;

/**
 * How a response ended.
 *
 * @param success whether the model server answered with a 2xx status and the body completed
 * @param promptTokens prompt tokens reported in the usage, or -1 when unknown
 * @param completionTokens completion tokens reported in the usage, or -1 when unknown
 * @param cachedTokens prompt tokens served from the prefix cache, or -1 when unknown
 */
public record ResponseOutcome(boolean success, long promptTokens, long completionTokens, long cachedTokens) {

    public static final ResponseOutcome FAILED = new ResponseOutcome(false, -1, -1, -1);

    public static ResponseOutcome succeeded(long promptTokens, long completionTokens, long cachedTokens) {
        return new ResponseOutcome(true, promptTokens, completionTokens, cachedTokens);
    }
}
