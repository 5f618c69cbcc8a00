package io.quarkiverse.llmd.engine.kvcache;

/**
 * A KV-event message that cannot be decoded: truncated or malformed msgpack, a length larger than the bytes left,
 * nesting deeper than allowed, a value of the wrong type, or an unknown event tag. As in llm-d, one bad event
 * rejects the whole message, so the index never applies half a batch.
 */
public final class KvEventDecodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int offset;

    public KvEventDecodeException(String message, int offset) {
        super(offset >= 0 ? message + " (at byte " + offset + ")" : message);
        this.offset = offset;
    }

    /** Byte offset in the payload where decoding failed, or -1 when it does not apply. */
    public int offset() {
        return offset;
    }
}
