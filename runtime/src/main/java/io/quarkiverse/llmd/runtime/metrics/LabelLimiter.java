package io.quarkiverse.llmd.runtime.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Keeps the values of one client-supplied label (model name, fairness id) to a bounded set, as llm-d does for
 * {@code model_name} and {@code fairness_id} (1,000 distinct values, then {@code other}): a value the gateway knows
 * passes; any other value takes one of {@code cap} slots for the lifetime of the process, and once they are all
 * taken new values are reported as {@value #OTHER}. A value that is not printable text (control characters, the
 * U+FFFD left by invalid UTF-8, unpaired surrogates) or longer than {@value #MAX_LENGTH} characters is never a label
 * value: it is reported as {@value #OTHER} and takes no slot. Thread-safe and lock-free; the slot count never goes
 * above the cap.
 */
public final class LabelLimiter {

    /** The bucket of every value past the cap or unfit to be a label value. */
    public static final String OTHER = "other";
    /** Longest value kept; model ids on Hugging Face stay well below it. */
    public static final int MAX_LENGTH = 256;

    private final int cap;
    private final Predicate<String> known;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger slots = new AtomicInteger();

    /**
     * @param cap how many values the gateway does not know may be reported as themselves; 0 folds them all into
     *        {@value #OTHER}
     * @param known values that always pass without taking a slot (served models, rewrite targets); read on every
     *        call, so the set may change
     */
    public LabelLimiter(int cap, Predicate<String> known) {
        if (cap < 0) {
            throw new IllegalArgumentException("label value cap must be >= 0, got " + cap);
        }
        this.cap = cap;
        this.known = known == null ? v -> false : known;
    }

    /** The label value to record for {@code raw}: itself, or {@value #OTHER}; null and empty give "". */
    public String value(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "";
        }
        if (admitted.contains(raw)) {
            return raw;
        }
        if (!printable(raw)) {
            return OTHER;
        }
        if (known.test(raw)) {
            return raw;
        }
        // Take a slot first, so that concurrent newcomers can never push the set past the cap.
        while (true) {
            int taken = slots.get();
            if (taken >= cap) {
                return admitted.contains(raw) ? raw : OTHER;
            }
            if (slots.compareAndSet(taken, taken + 1)) {
                if (!admitted.add(raw)) {
                    slots.decrementAndGet(); // another thread admitted the same value meanwhile
                }
                return raw;
            }
        }
    }

    /** Distinct values admitted so far (values the gateway knows are not counted). */
    public int admitted() {
        return slots.get();
    }

    public int cap() {
        return cap;
    }

    /** Whether every character is printable text: no control character, no U+FFFD, no unpaired surrogate. */
    static boolean printable(String s) {
        int n = s.length();
        if (n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\uFFFD' || c == '\u2028' || c == '\u2029') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
