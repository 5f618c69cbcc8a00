package io.quarkiverse.llmd.engine.request;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One item of a conversations request, with the fields llm-d keeps.
 *
 * @param type the item type ({@code message}, ...), empty when absent
 * @param role the role, empty when absent
 * @param content the content as sent (any JSON), or null when absent or null; read-only
 */
public record ConversationItem(String type, String role, JsonNode content) {

    public ConversationItem {
        type = type == null ? "" : type;
        role = role == null ? "" : role;
        if (content != null && (content.isNull() || content.isMissingNode())) {
            content = null;
        }
    }
}
