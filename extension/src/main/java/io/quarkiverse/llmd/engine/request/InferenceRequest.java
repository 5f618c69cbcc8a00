package io.quarkiverse.llmd.engine.request;

import java.util.Map;

/**
 * A parsed OpenAI-style request, as every scheduling plugin sees it. Immutable.
 *
 * @param requestId the {@code x-request-id} (generated when the client sent none)
 * @param api which API the request targets
 * @param model the model named in the body
 * @param targetModel the model to route for, after rewrite; equal to {@code model} when nothing rewrote it
 * @param stream whether the client asked for a streamed response
 * @param cacheSalt the {@code cache_salt} field, or null
 * @param headers request headers with lower-case names
 * @param body the typed body
 * @param prefixInput the exact bytes llm-d hashes for approximate prefix matching (reference 3.5 step 2); shared,
 *        callers must not modify it
 * @param multimodal whether any chat content block carries an image, audio or video part
 */
public record InferenceRequest(
        String requestId,
        ApiType api,
        String model,
        String targetModel,
        boolean stream,
        String cacheSalt,
        Map<String, String> headers,
        RequestBody body,
        byte[] prefixInput,
        boolean multimodal) {

    public InferenceRequest {
        headers = Map.copyOf(headers);
        if (targetModel == null) {
            targetModel = model;
        }
        if (prefixInput == null) {
            prefixInput = new byte[0];
        }
    }

    /** A header value by lower-case name, or null. */
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    /** Rough input token count as llm-d estimates it without a tokenizer: four characters per token. */
    public int estimatedInputTokens() {
        return prefixInput.length / 4;
    }

    public InferenceRequest withTargetModel(String newTarget) {
        return new InferenceRequest(requestId, api, model, newTarget, stream, cacheSalt, headers, body, prefixInput,
                multimodal);
    }
}
