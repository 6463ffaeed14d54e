package dev.topiary.kernel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a notebook shows for a value: the same content in several MIME types ({@code text/plain} always, and
 * {@code text/html}, {@code image/png} ... where the value has them), the frontend picking the richest it can.
 *
 * @param data MIME type to content: a String for text types, base64 for images, a Map for JSON types
 * @param metadata MIME type to its metadata (image sizes, for instance); usually empty
 */
public record MimeBundle(Map<String, Object> data, Map<String, Object> metadata) {

    public static final String PLAIN = "text/plain";
    public static final String HTML = "text/html";
    public static final String PNG = "image/png";

    public MimeBundle {
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        if (!(data.get(PLAIN) instanceof String)) {
            throw new IllegalArgumentException("a MIME bundle needs a text/plain form, got " + data.keySet());
        }
    }

    /** Plain text only. */
    public static MimeBundle text(String text) {
        return new MimeBundle(Map.of(PLAIN, text), Map.of());
    }

    /** HTML with its plain-text form for consoles. */
    public static MimeBundle html(String html, String text) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(PLAIN, text);
        data.put(HTML, html);
        return new MimeBundle(data, Map.of());
    }

    /** The plain-text form. */
    public String plain() {
        return (String) data.get(PLAIN);
    }
}
