package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.embedded.TestCache;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recipes written by an earlier Topiary, in format {@code topiary-recipe-v1}: a random model quantized to INT4 in
 * groups of 32 by GPTQ on the embedded corpus, to INT8 and to FP8; and one pruned by every pruning method in turn
 * (width by ratio and to sizes, depth by ratio and to a layer count, a layer dropped, magnitude, Wanda, 2:4 by
 * magnitude and by Wanda). They still read, replay to the same recorded numbers bit for bit, and write in the current
 * format, which reads back to the same lineage.
 */
class RecipeFixtureTest {

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
    @ValueSource(strings = {"quantize-int4-gptq-group32.json", "quantize-int8.json", "quantize-fp8.json",
            "prune-every-method.json"})
    void anOldRecipeReadsReplaysAndWritesInTheCurrentFormat(String name, @TempDir Path dir) throws IOException {
        Path fixture = fixture(name);
        assertTrue(Files.readString(fixture).contains("\"topiary-recipe-v1\""));
        Lineage recipe = Lineage.read(fixture);
        Path written = dir.resolve("written.json");
        recipe.write(written);
        assertTrue(Files.readString(written).contains("\"format\" : \"" + Lineage.FORMAT + "\""));
        assertEquals(recipe, Lineage.read(written));
        try (LanguageModel again = ModelTest.quietly(() -> Replay.of(recipe))) {
            assertEquals(List.of(), recipe.differences(again.lineage(), 0));
            assertEquals(recipe, again.lineage());
        }
    }

    @Test
    void theOldPruningFieldsBecomeEachMethodsNamedOnes() {
        List<Step> steps = Lineage.read(fixture("prune-every-method.json")).steps();
        assertEquals(List.of("prune.width_ratio", "prune.width", "prune.depth_ratio", "prune.layers", "prune.drop",
                "prune.magnitude", "prune.wanda", "prune.nm", "prune.nm"), steps.stream().map(Step::name).toList());
        assertEquals(0.8, ((WidthByRatio) steps.get(0)).keepFraction());
        WidthToSizes sizes = (WidthToSizes) steps.get(1);
        assertEquals(List.of(52, 92, 4), List.of(sizes.hidden(), sizes.ffn(), sizes.heads()));
        assertEquals(0.75, ((DepthByRatio) steps.get(2)).keepFraction());
        assertEquals(2, ((DepthToLayers) steps.get(3)).layers());
        assertEquals(List.of(1), ((DropLayers) steps.get(4)).layers());
        assertEquals(0.2, ((MagnitudeSparsity) steps.get(5)).sparsity());
        assertEquals(0.3, ((WandaSparsity) steps.get(6)).sparsity());
        assertEquals(new NmPattern(2, 4, null), steps.get(7));
        NmPattern byWanda = (NmPattern) steps.get(8);
        assertEquals(List.of(2, 4, 8), List.of(byWanda.n(), byWanda.m(), byWanda.calibration().samples()));
    }

    @Test
    void aRecipeOfAnotherVersionIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        Path future = dir.resolve("recipe.json");
        Files.writeString(future, Files.readString(fixture("quantize-int8.json"))
                .replace("topiary-recipe-v1", "topiary-recipe-v9"));
        TopiaryException e = assertThrows(TopiaryException.class, () -> Lineage.read(future));
        assertTrue(e.getMessage().contains("found \"topiary-recipe-v9\"") && e.getMessage().contains(Lineage.FORMAT),
                e.getMessage());
        Files.writeString(future, Files.readString(fixture("quantize-int8.json")).replace("\"rtn\"", "\"awq\""));
        e = assertThrows(TopiaryException.class, () -> Lineage.read(future));
        assertTrue(e.getMessage().contains("unknown step 'quantize.awq'") && e.getMessage().contains("quantize.gptq"),
                e.getMessage());
    }

    private static Path fixture(String name) {
        try {
            return Path.of(RecipeFixtureTest.class.getResource("/recipes/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
