package dev.topiary.embedded;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Tests never build into the user's cache: the surefire and failsafe configuration (the parent pom) sets
 * {@code TOPIARY_CACHE} inside {@code target/}, so a teacher a test trains stays with the build.
 */
class CacheIsolationTest {

    @Test
    void aTestRunResolvesTheCacheInsideTheBuild() {
        String configured = System.getenv("TOPIARY_CACHE");
        assertNotNull(configured, "TOPIARY_CACHE is unset: tests would use ~/.cache/topiary (see the parent pom)");
        Path target = Path.of("target").toAbsolutePath();
        assertTrue(Path.of(configured).toAbsolutePath().normalize().startsWith(target), configured + " is not in "
                + target);
        Path users = Path.of(System.getProperty("user.home"), ".cache", "topiary");
        assertTrue(!CacheDirectory.root().toAbsolutePath().normalize().startsWith(users), CacheDirectory.root()
                + " is the user's cache");
    }
}
