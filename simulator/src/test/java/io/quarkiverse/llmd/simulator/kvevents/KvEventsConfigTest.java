package io.quarkiverse.llmd.simulator.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvEventsConfigTest {

    @Test
    void defaultsAreVllms() {
        KvEventsConfig c = KvEventsConfig.defaults();
        assertThat(c.endpoint()).isEqualTo("tcp://*:5557");
        assertThat(c.replayEndpoint()).isNull();
        assertThat(c.topic()).isEmpty();
        assertThat(c.mapForm()).isFalse();
        assertThat(c.bufferSteps()).isEqualTo(10_000);
        assertThat(c.hwm()).isEqualTo(100_000);
        assertThat(c.maxQueueSize()).isEqualTo(100_000);
        assertThat(c.firstSequence()).isZero();
        assertThat(c.dataParallelRank()).isNull();
    }

    @Test
    void factoryAndWithers() {
        KvEventsConfig c = KvEventsConfig.of("tcp://epp:5557", "kv@10.0.0.1:8000@m").withMapForm(true)
                .withFirstSequence(1).withReplayEndpoint("tcp://*:5558").withBufferSteps(1024).withHwm(10)
                .withMaxQueueSize(5).withDataParallelRank(2).withTopic(null);
        assertThat(c).isEqualTo(new KvEventsConfig("tcp://epp:5557", "tcp://*:5558", "", true, 1024, 10, 5, 1L, 2));
        assertThat(c.withReplayEndpoint(" ").replayEndpoint()).isNull();
    }

    @Test
    void dataParallelRankOffsetsEndpointsLikeVllm() {
        KvEventsConfig c = KvEventsConfig.of("tcp://*:5557", "t").withReplayEndpoint("tcp://*:5600")
                .forDataParallelRank(3);
        assertThat(c.endpoint()).isEqualTo("tcp://*:5560");
        assertThat(c.replayEndpoint()).isEqualTo("tcp://*:5603");
        assertThat(c.dataParallelRank()).isEqualTo(3);
        assertThat(KvEventsConfig.offsetEndpoint("inproc://kv", 1)).isEqualTo("inproc://kv_dp1");
        assertThat(KvEventsConfig.offsetEndpoint("tcp://[::1]:7000", 2)).isEqualTo("tcp://[::1]:7002");
        assertThat(KvEventsConfig.offsetEndpoint("tcp://127.0.0.1:*", 2)).isEqualTo("tcp://127.0.0.1:*");
        assertThat(KvEventsConfig.offsetEndpoint("ipc:///tmp/kv", 2)).isEqualTo("ipc:///tmp/kv");
    }

    @Test
    void rejectsNonsense() {
        KvEventsConfig d = KvEventsConfig.defaults();
        assertThatThrownBy(() -> d.withEndpoint(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withMaxQueueSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withBufferSteps(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withHwm(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withDataParallelRank(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
