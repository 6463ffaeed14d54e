package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.topiary.embedded.CacheDirectory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The commands under test (and the kernels and notebooks the Jupyter suites start) never build into the user's
 * cache: the parent pom sets {@code TOPIARY_CACHE} to this module's {@code target/test-cache}.
 */
class CacheIsolationTest {

    @Test
    void theCommandsUnderTestUseTheBuildsCache() {
        assertEquals(Path.of("target", "test-cache").toAbsolutePath(), CacheDirectory.root().toAbsolutePath(),
                "TOPIARY_CACHE must be set in the test configuration (the parent pom), or tests use ~/.cache/topiary");
    }
}
