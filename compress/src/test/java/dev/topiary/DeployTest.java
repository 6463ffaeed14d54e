package dev.topiary;

import static dev.topiary.Precision.INT8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.gguf.GgmlType;
import dev.topiary.io.Overwrite;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llamacpp.GgufReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DSL's export and deployment: a model's GGUF file run by llama.cpp continues text as the model does. */
class DeployTest {

    @TempDir
    static Path cache;
    static Model teacher;

    @BeforeAll
    static void teacher() {
        teacher = ModelTest.smallTeacher(cache);
    }

    @AfterAll
    static void release() {
        teacher.close();
        System.clearProperty("TOPIARY_CACHE");
    }

    @Test
    void anF32DeploymentContinuesTextExactlyAsTheModelDoes(@TempDir Path dir) {
        String prompt = "The Congress of the United States";
        String expected = teacher.generate(prompt, GenerationOptions.greedy(12));
        try (DeployedModel deployed = teacher.deploy(dir.resolve("teacher.gguf"), GgmlType.F32)) {
            assertEquals(expected, deployed.generate(prompt, 12));
            assertTrue(deployed.decodeTokensPerSecond() > 0);
            String card = deployed.toHtml();
            assertTrue(card.contains("f32") && card.contains("tokens/s") && card.contains("bits per weight"), card);
            double bits = deployed.export().bitsPerWeight();
            assertTrue(bits > 32 && bits < 40, "f32 is 32 bits a weight, plus the tokenizer and metadata: " + bits);
        }
    }

    @Test
    void theFileCarriesTheModelsLineage(@TempDir Path dir) {
        Model pruned = teacher.prune().drop(1);
        try (pruned; GgufReader gguf = GgufReader.open(pruned.export(dir.resolve("p.gguf"), GgmlType.Q8_0).file())) {
            assertEquals(pruned.lineage().toJson().toString(), gguf.string("topiary.lineage"));
            assertEquals(1, gguf.uint32("llama.block_count"));
            assertEquals(teacher.config().headDim(), gguf.uint32("llama.attention.key_length"));
        }
    }

    @Test
    void anExistingFileIsReplacedOnlyWhenForcedOrTopiarysOwn(@TempDir Path dir) throws IOException {
        Path mine = Files.writeString(dir.resolve("mine.gguf"), "my file");
        TopiaryException e = assertThrows(TopiaryException.class, () -> teacher.export(mine, GgmlType.F16));
        assertTrue(e.getMessage().contains("the file exists"), e.getMessage());
        assertEquals("my file", Files.readString(mine));
        teacher.export(mine, GgmlType.F16, Overwrite.FORCE);
        assertArrayEquals("GGUF".getBytes(), Arrays.copyOf(Files.readAllBytes(mine), 4));
        long f16 = Files.size(mine);
        // Now Topiary's own file: an export replaces it without being forced.
        teacher.export(mine, GgmlType.Q8_0);
        assertTrue(Files.size(mine) < f16, "the q8_0 file replaced the f16 one");
    }

    @Test
    void aQuantizedModelExportsExactlyOnlyWhereATypeHoldsItsCodes(@TempDir Path dir) {
        try (QuantizedModel q = teacher.quantize(INT8)) {
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> q.export(dir.resolve("q.gguf"), GgmlType.Q8_0));
            assertTrue(e.getMessage().contains("cannot be written exactly as q8_0: export f32"), e.getMessage());
            assertTrue(Files.notExists(dir.resolve("q.gguf")));
            int[] ids = {5, 17, 300, 9, 4000, 12};
            try (DeployedModel exact = q.deploy(dir.resolve("exact.gguf"), GgmlType.F32)) {
                float[][] expected = q.logits(ids);
                float[][] actual = exact.logits(ids);
                for (int t = 0; t < ids.length; t++) {
                    for (int v = 0; v < expected[t].length; v++) {
                        assertEquals(expected[t][v], actual[t][v], 1e-4 * Math.max(1, Math.abs(expected[t][v])));
                    }
                }
            }
            assertEquals(GgmlType.Q8_0, q.exportRequantized(dir.resolve("again.gguf"), GgmlType.Q8_0).type());
        }
    }
}
