package io.quarkiverse.llmd.engine.request;

/**
 * One part of a chat message's content, with the fields llm-d keeps. Absent strings are empty, never null (as Go's
 * zero values). Other block fields ({@code detail}, ...) are dropped.
 *
 * @param type the block type: {@code text}, {@code image_url}, {@code input_audio}, {@code video_url}, ...
 * @param text the text of a {@code text} block
 * @param imageUrl {@code image_url.url}
 * @param audioData {@code input_audio.data}
 * @param audioFormat {@code input_audio.format}
 * @param videoUrl {@code video_url.url}
 */
public record ContentBlock(String type, String text, String imageUrl, String audioData, String audioFormat,
        String videoUrl) {

    public ContentBlock {
        type = type == null ? "" : type;
        text = text == null ? "" : text;
        imageUrl = imageUrl == null ? "" : imageUrl;
        audioData = audioData == null ? "" : audioData;
        audioFormat = audioFormat == null ? "" : audioFormat;
        videoUrl = videoUrl == null ? "" : videoUrl;
    }

    /** A text block. */
    public static ContentBlock text(String text) {
        return new ContentBlock("text", text, "", "", "", "");
    }

    /**
     * Whether this block carries an image, audio or video part. {@code audio_url} (a vLLM extension) counts too,
     * although llm-d's check names only image_url, video_url and input_audio.
     */
    public boolean isMultimodal() {
        return switch (type) {
            case "image_url", "video_url", "input_audio", "audio_url" -> true;
            default -> false;
        };
    }
}
