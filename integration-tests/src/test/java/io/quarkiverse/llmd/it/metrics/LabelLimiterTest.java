package io.quarkiverse.llmd.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.runtime.metrics.LabelLimiter;

class LabelLimiterTest {

    @Test
    void valuesPassUntilTheCapThenOther() {
        LabelLimiter limiter = new LabelLimiter(2, null);
        assertThat(limiter.value("a")).isEqualTo("a");
        assertThat(limiter.value("b")).isEqualTo("b");
        assertThat(limiter.value("c")).isEqualTo("other");
        assertThat(limiter.value("a")).isEqualTo("a"); // admitted values stay themselves
        assertThat(limiter.value(null)).isEmpty();
        assertThat(limiter.admitted()).isEqualTo(2);
    }

    @Test
    void knownValuesTakeNoSlot() {
        LabelLimiter limiter = new LabelLimiter(0, Set.of("served")::contains);
        assertThat(limiter.value("served")).isEqualTo("served");
        assertThat(limiter.value("anything")).isEqualTo("other");
        assertThat(limiter.admitted()).isZero();
    }

    @Test
    void unprintableValuesAreOtherAndTakeNoSlot() {
        LabelLimiter limiter = new LabelLimiter(10, s -> true);
        for (String bad : List.of("a\u0000b", "line\nbreak", "tab\t", "del\u007f", "c1\u0085", "bad\uFFFDutf8",
                "lone\uD800surrogate", "\uDC00", "x".repeat(LabelLimiter.MAX_LENGTH + 1), "sep\u2028")) {
            assertThat(limiter.value(bad)).as(bad).isEqualTo("other");
        }
        assertThat(limiter.admitted()).isZero();
        assertThat(limiter.value("emoji \uD83D\uDE00 ok / é")).isEqualTo("emoji \uD83D\uDE00 ok / é");
    }

    @Test
    void concurrentNewcomersNeverPassTheCap() throws Exception {
        LabelLimiter limiter = new LabelLimiter(100, null);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 1000; i++) {
                        seen.add(limiter.value("v" + (i % 300) + "-" + (thread % 2)));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Set<String> values = new HashSet<>(seen);
        values.remove("other");
        assertThat(values).hasSizeLessThanOrEqualTo(100);
        assertThat(limiter.admitted()).isEqualTo(100);
    }
}
