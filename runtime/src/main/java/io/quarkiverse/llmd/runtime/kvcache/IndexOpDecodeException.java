package io.quarkiverse.llmd.runtime.kvcache;

/** Bytes read from the shared index's stream or snapshot are not a well-formed batch. */
public final class IndexOpDecodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IndexOpDecodeException(String message) {
        super(message);
    }
}
