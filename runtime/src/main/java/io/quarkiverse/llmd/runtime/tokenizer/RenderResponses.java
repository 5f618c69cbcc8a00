package io.quarkiverse.llmd.runtime.tokenizer;

import java.io.IOException;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Reads the token ids out of a render answer. vLLM's {@code /v1/completions/render} answers a list (one request per
 * prompt), {@code /v1/chat/completions/render} a single object; either way the ids are the {@code token_ids} of the
 * (first) object. Streams the JSON without building a tree: everything but the ids is skipped.
 */
final class RenderResponses {

    private static final JsonFactory JSON = new JsonFactory();

    private RenderResponses() {
    }

    /** @throws IOException when the answer is not JSON or holds no list of non-negative int ids */
    static int[] tokenIds(byte[] body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                t = p.nextToken();
            }
            if (t != JsonToken.START_OBJECT) {
                throw new IOException("expected a JSON object (or a list of them), got " + t);
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                t = p.nextToken();
                if (!"token_ids".equals(name)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw new IOException("token_ids is not a list");
                }
                int[] ids = new int[64];
                int n = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                            || p.getIntValue() < 0) {
                        throw new IOException("token_ids holds " + p.getText() + ", not a token id");
                    }
                    if (n == ids.length) {
                        ids = Arrays.copyOf(ids, n * 2);
                    }
                    ids[n++] = p.getIntValue();
                }
                return Arrays.copyOf(ids, n);
            }
            throw new IOException("no token_ids in the answer");
        }
    }
}
