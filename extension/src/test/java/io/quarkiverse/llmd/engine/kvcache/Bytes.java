package io.quarkiverse.llmd.engine.kvcache;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Test vectors written by hand: hex byte strings and ASCII text spliced together. */
final class Bytes {

    private Bytes() {
    }

    /**
     * Concatenates parts: a part starting with {@code '} is ASCII text up to the end of the part (the text bytes
     * only, the header is written in hex by the test), any other part is hex with optional spaces.
     */
    static byte[] of(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            if (part.startsWith("'")) {
                out.writeBytes(part.substring(1).getBytes(StandardCharsets.US_ASCII));
                continue;
            }
            String hex = part.replace(" ", "");
            if (hex.length() % 2 != 0) {
                throw new IllegalArgumentException("odd hex: " + part);
            }
            for (int i = 0; i < hex.length(); i += 2) {
                out.write(Integer.parseInt(hex.substring(i, i + 2), 16));
            }
        }
        return out.toByteArray();
    }

    /** {@code n} copies of one hex part. */
    static String repeat(String hex, int n) {
        return (hex + " ").repeat(n);
    }
}
