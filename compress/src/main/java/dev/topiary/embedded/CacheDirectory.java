package dev.topiary.embedded;

import java.nio.file.Path;

/**
 * Where Topiary keeps what it builds once and reuses (the embedded tokenizer, datasets and teacher):
 * {@code $TOPIARY_CACHE}, else {@code $XDG_CACHE_HOME/topiary}, else {@code ~/.cache/topiary}.
 */
public final class CacheDirectory {

    private CacheDirectory() {}

    public static Path root() {
        String explicit = setting("TOPIARY_CACHE");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = setting("XDG_CACHE_HOME");
        Path base = xdg != null ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("topiary");
    }

    private static String setting(String name) {
        String value = System.getProperty(name, System.getenv(name));
        return value == null || value.isBlank() ? null : value;
    }
}
