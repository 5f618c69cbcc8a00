package io.quarkiverse.llmd.engine.framework.requestcontrol;

import io.quarkiverse.llmd.engine.request.Usage;

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

    /**
     * How an exchange that reached the model server ended, the same for every edge: success is a 2xx status whose
     * body completed; tokens come from the usage the response reported (-1 without one).
     *
     * @param usage the response's usage, or null when it reported none
     * @param prefillCachedTokens prompt tokens a separate prefill pod served from its cache (P/D), 0 when none
     */
    public static ResponseOutcome of(int status, Usage usage, long prefillCachedTokens) {
        boolean ok = status >= 200 && status < 300;
        long extra = Math.max(0, prefillCachedTokens);
        if (usage == null) {
            return new ResponseOutcome(ok, -1, -1, extra > 0 ? extra : -1);
        }
        return new ResponseOutcome(ok, usage.promptTokens(), usage.completionTokens(), usage.cachedTokens() + extra);
    }

    public static ResponseOutcome succeeded(long promptTokens, long completionTokens, long cachedTokens) {
        return new ResponseOutcome(true, promptTokens, completionTokens, cachedTokens);
    }
}
