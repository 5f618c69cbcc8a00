package io.quarkiverse.llmd.engine.request;

import java.util.List;

/**
 * One chat-completions message: its role and its content, which is either a string ({@code blocks == null}) or an
 * array of content blocks ({@code text} is then empty). Other message fields ({@code name}, {@code tool_calls}, ...)
 * are not kept, as in llm-d.
 *
 * @param role the role, never empty (the parser refuses messages without one)
 * @param text the content when it was a string; empty for null or absent content, or when {@code blocks} is set
 * @param blocks the content blocks when content was an array, else null
 */
public record ChatMessage(String role, String text, List<ContentBlock> blocks) {

    public ChatMessage {
        role = role == null ? "" : role;
        text = text == null ? "" : text;
        blocks = blocks == null ? null : List.copyOf(blocks);
    }

    /** A message with string content. */
    public static ChatMessage of(String role, String text) {
        return new ChatMessage(role, text, null);
    }

    /** Whether the content was given as an array of blocks. */
    public boolean structured() {
        return blocks != null;
    }

    /** Whether any block carries an image, audio or video part. */
    public boolean isMultimodal() {
        if (blocks == null) {
            return false;
        }
        for (ContentBlock b : blocks) {
            if (b.isMultimodal()) {
                return true;
            }
        }
        return false;
    }
}
