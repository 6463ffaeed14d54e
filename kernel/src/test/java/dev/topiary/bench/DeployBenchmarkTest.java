package dev.topiary.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.embedded.TestCache;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.LlamaGguf;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.llamacpp.LlamaCppModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy benchmark's code path on the tiny model, one timed run: sane numbers, not wall-clock limits. */
class DeployBenchmarkTest {

    @TempDir
    Path dir;

    @Test
    void measuresTopiaryAndEveryExportOnTheTinyModel() throws IOException {
        long bytes = 256L << 20;
        double bandwidth = MemoryBandwidthBenchmark.gigabytesPerSecond(bytes,
                MemoryBandwidthBenchmark.measure(bytes, 0, 1));
        assertTrue(bandwidth > 0.1 && bandwidth < 10_000, bandwidth + " GB/s");
        double vectorised = MemoryBandwidthBenchmark.gigabytesPerSecond(bytes,
                MemoryBandwidthBenchmark.measureVectorised(bytes, 0, 1));
        assertTrue(vectorised > 0.1 && vectorised < 10_000, vectorised + " GB/s");
        Supplier<EmbeddedData> embedded = () -> EmbeddedData.obtain(TestCache.withSharedData(dir));
        LlamaConfig tiny = LlamaPresets.tiny();
        DeployBenchmark.Result r;
        try (Llama model = Llama.random(tiny, 1, Device.cpu(), DataType.FLOAT32)) {
            r = DeployBenchmark.measure(model, embedded, dir, bandwidth, 0, 1);
        }
        assertEquals(bandwidth, r.gigabytesPerSecond());
        // The fraction is the rate over bandwidth / weight bytes; the tiny model's 18 MB of weights can sit in the
        // caches, so it may exceed 1 (the limit is DRAM's), and only its arithmetic is checked.
        assertTrue(r.topiaryTokensPerSecond() > 0, r.lines("tiny").get(0));
        assertEquals(r.topiaryTokensPerSecond() * 4.0 * r.parameters() / (bandwidth * 1e9), r.topiaryFractionOfLimit(),
                1e-9 * r.topiaryFractionOfLimit(), r.lines("tiny").get(0));
        assertEquals(DeployBenchmark.TYPES, r.exports().stream().map(DeployBenchmark.Export::type).toList());
        long parameters = r.parameters();
        for (DeployBenchmark.Export e : r.exports()) {
            assertTrue(e.tokens() >= 2 && e.tokens() <= DeployBenchmark.TOKENS, e.toString());
            assertTrue(e.tokensPerSecond() > 0 && Double.isFinite(e.tokensPerSecond()), e.toString());
            assertTrue(e.fractionOfLimit(bandwidth) > 0, e.toString());
            assertTrue(e.weightBytes() < e.fileBytes(), e.toString());
            assertTrue(e.weightBytes() < 4 * parameters, e.toString());
            assertTrue(e.timing().seconds().length == 1 && e.timing().min() > 0, e.toString());
        }
        // F16 stores 2 bytes a weight, norms in F32 on top; the block types fewer, in order of their block sizes.
        DeployBenchmark.Export f16 = r.exports().get(0);
        DeployBenchmark.Export q8 = r.exports().get(1);
        DeployBenchmark.Export q4 = r.exports().get(2);
        DeployBenchmark.Export q4k = r.exports().get(3);
        assertTrue(f16.weightBytes() >= 2 * parameters && f16.weightBytes() < 2.01 * parameters, f16.toString());
        assertTrue(f16.fileBytes() > q8.fileBytes() && q8.fileBytes() > q4k.fileBytes()
                && q4k.fileBytes() >= q4.fileBytes(), r.exports().toString());
        assertTrue(files(dir).stream().noneMatch(f -> f.toString().endsWith(".gguf")), "exports deleted");

        List<String> lines = r.lines("tiny");
        assertEquals(1 + DeployBenchmark.TYPES.size(), lines.size());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("- tiny, ") && l.endsWith("of the bandwidth limit")),
                lines.toString());
    }

    @Test
    void exportsAnotherVocabularyWithAByteLevelTokenizerBothTokenizersRead() throws IOException {
        LlamaConfig config = LlamaPresets.tiny().toBuilder().setNumHiddenLayers(1).setVocabSize(1000)
                .optBosTokenId(998).optEosTokenIds(List.of(999)).build();
        Path tokenizer = DeployBenchmark.tokenizer(config, () -> {
            throw new AssertionError("the embedded tokenizer has another vocabulary");
        }, dir);
        Path file = dir.resolve("bytes.gguf");
        try (Llama model = Llama.random(config, 1, Device.cpu(), DataType.FLOAT32)) {
            LlamaGguf.write(model, tokenizer, "bytes", "{}", GgmlType.Q8_0, file);
        }
        String text = "Hi, café\n";
        try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, 64); Tokenizer topiary = Tokenizer.load(tokenizer)) {
            assertArrayEquals(new int[] {998, 'H', 'i', ',', ' ', 'c', 'a', 'f', 0xC3, 0xA9, '\n'},
                    llamaCpp.tokenize(text, true));
            assertArrayEquals(topiary.encode(text), llamaCpp.tokenize(text, true));
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            return walk.toList();
        }
    }
}
