package dev.topiary.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded data for tests, built once per build under {@code target/} (tokenizer training and tokenization take
 * about a minute) and linked into each test's own temporary cache, where anything trained stays private.
 */
public final class TestCache {

    private TestCache() {}

    /** Links the shared embedded data into {@code cacheRoot} and returns it. */
    public static Path withSharedData(Path cacheRoot) {
        try {
            Path shared = Files.createDirectories(Path.of("target", "test-cache").toAbsolutePath());
            Path data = EmbeddedData.obtain(shared).directory();
            Path link = cacheRoot.resolve(data.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, data);
            }
            return cacheRoot;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
