package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.topiary.embedded.TestCache;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recipes of quantize steps written by an earlier Topiary (a random model quantized to INT4 in groups of 32 by GPTQ
 * on the embedded corpus, to INT8 and to FP8): they still read, write back byte for byte, and replay to the same
 * recorded numbers.
 */
class QuantizeRecipeFixtureTest {

    @TempDir
    static Path cache;

    @BeforeAll
    static void sharedData() {
        System.setProperty("TOPIARY_CACHE", TestCache.withSharedData(cache).toString());
    }

    @AfterAll
    static void release() {
        System.clearProperty("TOPIARY_CACHE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"quantize-int4-gptq-group32.json", "quantize-int8.json", "quantize-fp8.json"})
    void anOldQuantizeRecipeReadsWritesBackAndReplays(String name, @TempDir Path dir) throws IOException {
        Path fixture = fixture(name);
        Lineage recipe = Lineage.read(fixture);
        Path written = dir.resolve("written.json");
        recipe.write(written);
        assertEquals(Files.readString(fixture), Files.readString(written));
        try (Model again = ModelTest.quietly(recipe::replay)) {
            assertEquals(List.of(), recipe.differences(again.lineage(), 0));
            again.lineage().write(written);
            assertEquals(Files.readString(fixture), Files.readString(written));
        }
    }

    private static Path fixture(String name) {
        try {
            return Path.of(QuantizeRecipeFixtureTest.class.getResource("/recipes/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
