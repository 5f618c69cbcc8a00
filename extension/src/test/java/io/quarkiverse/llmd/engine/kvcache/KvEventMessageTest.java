package io.quarkiverse.llmd.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class KvEventMessageTest {

    @Test
    void topicWithThreePartsNamesPodAndModel() {
        assertThat(KvEventTopic.parse("kv@10.0.0.1@meta-llama/Llama-3.1-8B"))
                .isEqualTo(new KvEventTopic("10.0.0.1", "meta-llama/Llama-3.1-8B"));
        assertThat(KvEventTopic.parse("kv@10.0.0.1:8000@qwen")).isEqualTo(new KvEventTopic("10.0.0.1:8000", "qwen"));
        assertThat(KvEventTopic.parse("kv@@")).isEqualTo(new KvEventTopic("", ""));
    }

    @Test
    void anyOtherTopicIsThePodIdWithoutModel() {
        assertThat(KvEventTopic.parse("")).isEqualTo(new KvEventTopic("", ""));
        assertThat(KvEventTopic.parse("pod-a")).isEqualTo(new KvEventTopic("pod-a", ""));
        assertThat(KvEventTopic.parse("kv@pod-a")).isEqualTo(new KvEventTopic("kv@pod-a", ""));
        assertThat(KvEventTopic.parse("kv@a@b@c")).isEqualTo(new KvEventTopic("kv@a@b@c", ""));
        assertThat(new KvEventTopic("10.0.0.1", "m").format()).isEqualTo("kv@10.0.0.1@m");
    }

    @Test
    void sequenceFrameIsEightBytesBigEndianUnsigned() {
        assertThat(KvEventMessage.sequence(Bytes.of("00 00 00 00 00 00 00 00"))).isZero();
        assertThat(KvEventMessage.sequence(Bytes.of("00 00 00 00 00 00 01 02"))).isEqualTo(258L);
        assertThat(Long.toUnsignedString(KvEventMessage.sequence(Bytes.of("80 00 00 00 00 00 00 01"))))
                .isEqualTo("9223372036854775809");
        long end = KvEventMessage.sequence(Bytes.of("ff ff ff ff ff ff ff ff"));
        assertThat(KvEventMessage.isReplayEnd(end)).isTrue();
        assertThat(KvEventMessage.sequenceFrame(258L)).isEqualTo(Bytes.of("00 00 00 00 00 00 01 02"));
        assertThatThrownBy(() -> KvEventMessage.sequence(Bytes.of("00 00 00 00 00 00 01")))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("8 bytes");
    }

    @Test
    void liveMessageHasExactlyThreeFrames() {
        byte[] payload = Bytes.of("92 00 91 91 b0", "'AllBlocksCleared");
        KvEventMessage message = KvEventMessage.of(List.of("kv@10.0.0.7@m".getBytes(StandardCharsets.UTF_8),
                Bytes.of("00 00 00 00 00 00 00 05"), payload));

        assertThat(message.topic()).isEqualTo(new KvEventTopic("10.0.0.7", "m"));
        assertThat(message.sequence()).isEqualTo(5L);
        assertThat(message.decode().events()).containsExactly(KvEvent.AllBlocksCleared.INSTANCE);
        assertThatThrownBy(() -> KvEventMessage.of(List.of(Bytes.of("00"), Bytes.of("00"))))
                .isInstanceOf(KvEventDecodeException.class).hasMessageContaining("3 frames");
    }
}
