package io.quarkiverse.llmd.engine.kvcache;

import java.util.List;

/**
 * The frames of one KV-event message, checked (reference kvcache-and-sim.md A1.3, A1.7): a live message has
 * exactly three frames, topic, 8-byte big-endian sequence number and msgpack payload. Decoding the payload is a
 * separate step ({@link KvEventDecoder}), so a subscriber can check ordering before paying for it.
 *
 * @param topic the parsed topic frame
 * @param sequence the publisher's sequence number, unsigned (vLLM starts at 0, the simulator at 1)
 * @param payload the msgpack EventBatch
 */
public record KvEventMessage(KvEventTopic topic, long sequence, byte[] payload) {

    /** Sequence value that ends a replay stream ({@code FF FF FF FF FF FF FF FF}, -1 as signed). */
    public static final long REPLAY_END = -1L;

    /**
     * Checks the three frames of a live message.
     *
     * @throws KvEventDecodeException when there are not exactly three frames or the sequence frame is short
     */
    public static KvEventMessage of(List<byte[]> frames) {
        if (frames.size() != 3) {
            throw new KvEventDecodeException("a KV-event message has 3 frames (topic, sequence, payload), got "
                    + frames.size(), -1);
        }
        return new KvEventMessage(KvEventTopic.parse(frames.get(0)), sequence(frames.get(1)), frames.get(2));
    }

    /**
     * Reads a sequence frame: the first 8 bytes, big-endian, as llm-d reads them; a shorter frame is rejected.
     */
    public static long sequence(byte[] frame) {
        if (frame.length < 8) {
            throw new KvEventDecodeException("the sequence frame needs 8 bytes, got " + frame.length, -1);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (frame[i] & 0xFF);
        }
        return v;
    }

    /** Encodes a sequence number as the 8-byte big-endian frame a replay request sends. */
    public static byte[] sequenceFrame(long sequence) {
        byte[] frame = new byte[8];
        for (int i = 7; i >= 0; i--) {
            frame[i] = (byte) sequence;
            sequence >>>= 8;
        }
        return frame;
    }

    /** Whether a replayed sequence number is the end-of-replay marker. */
    public static boolean isReplayEnd(long sequence) {
        return sequence == REPLAY_END;
    }

    /** Decodes the payload. */
    public KvEventBatch decode() {
        return KvEventDecoder.decode(payload);
    }
}
