package io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg;

import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.promptOfTokens;
import static io.quarkiverse.llmd.engine.testing.RoutingFixtures.withRole;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.scheduling.decider.always.AlwaysDisaggPdDecider;
import io.quarkiverse.llmd.engine.plugins.scheduling.decider.multimodal.AlwaysDisaggMultimodalDecider;
import io.quarkiverse.llmd.engine.plugins.scheduling.decider.prefixbased.PrefixBasedPdDecider;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class DecidersTest {

    private final Endpoint decode = withRole("decode-1", "10.0.2.1:8000", "decode");

    private SchedulingContext context(int tokens, Integer cachedBlocks, int blockSize) {
        SchedulingContext context = Fixtures.context(Fixtures.request("m", promptOfTokens(tokens)));
        if (cachedBlocks != null) {
            context.put(DataKeys.PREFIX_CACHE_MATCH, new PrefixCacheMatchInfo() {
                @Override
                public int matchBlocks(Endpoint endpoint) {
                    return endpoint.equals(decode) ? cachedBlocks : 0;
                }

                @Override
                public int totalBlocks() {
                    return tokens / blockSize;
                }

                @Override
                public int blockSizeTokens() {
                    return blockSize;
                }
            });
        }
        return context;
    }

    @Test
    void prefixBasedDecider() {
        PrefixBasedPdDecider decider = new PrefixBasedPdDecider("p", 16);
        assertThat(decider.consumes()).containsExactly(DataKeys.PREFIX_CACHE_MATCH);
        assertThat(decider.disaggregate(context(15, 0, 16), decode)).isFalse(); // shorter than nonCachedTokens
        assertThat(decider.disaggregate(context(16, 0, 16), decode)).isTrue(); // 16 - 0 >= 16
        assertThat(decider.disaggregate(context(16, null, 16), decode)).isFalse(); // no prefix info
        assertThat(decider.disaggregate(context(64, 3, 16), decode)).isTrue(); // 64 - 48 = 16
        assertThat(decider.disaggregate(context(64, 4, 16), decode)).isFalse(); // 64 - 64 = 0
        assertThat(decider.disaggregate(context(1000, 3, 64), decode)).isTrue(); // 1000 - 192
        assertThat(decider.disaggregate(context(1000, 0, 16), withRole("other", "10.0.0.9:8000", "decode"))).isTrue();
        assertThat(new PrefixBasedPdDecider("never", 0).disaggregate(context(100_000, 0, 16), decode)).isFalse();
    }

    @Test
    void alwaysAndMultimodalDeciders() {
        assertThat(new AlwaysDisaggPdDecider("a").disaggregate(context(0, null, 16), decode)).isTrue();
        AlwaysDisaggMultimodalDecider multimodal = new AlwaysDisaggMultimodalDecider("m");
        assertThat(multimodal.disaggregate(context(100, null, 16), decode)).isFalse();
        SchedulingContext image = Fixtures.context(new InferenceRequest("r", ApiType.CHAT_COMPLETIONS, "m", "m", false,
                null, Map.of(), null, "x".getBytes(StandardCharsets.UTF_8), true));
        assertThat(multimodal.disaggregate(image, decode)).isTrue();
    }
}
