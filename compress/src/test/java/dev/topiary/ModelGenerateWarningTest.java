package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.data.BpeModel;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DSL's generate tells the monitor when the model's context, not the caller, ended generation. */
class ModelGenerateWarningTest {

    // Bytes-only tokenizer: 256 byte ids, then begin (256) and end (257) of text.
    private static final LlamaConfig CONFIG = LlamaConfig.builder().setHiddenSize(16).setIntermediateSize(56)
            .setNumAttentionHeads(2).optNumKeyValueHeads(1).setNumHiddenLayers(1).setVocabSize(258)
            .optBosTokenId(256).optEosTokenIds(List.of(257)).optMaxPositionEmbeddings(8).build();

    @Test
    void stoppingAtMaxPositionEmbeddingsIsReportedToTheMonitor(@TempDir Path dir) throws Exception {
        try (Llama llama = Llama.random(CONFIG, 2, Device.cpu(), DataType.FLOAT32)) {
            LlamaCheckpoint.save(llama, dir);
        }
        BpeModel.bytesOnly().write(dir.resolve("tokenizer.json"));
        List<Progress> reports = new ArrayList<>();
        Monitor monitor = new Monitor(reports::add, Cancellation.none());
        try (Model model = Model.load(dir)) {
            Monitor.run(monitor, () -> model.generate("Hi", GenerationOptions.greedy(3)));
            assertEquals(List.of(), reports, "three tokens fit: nothing to report");
            Monitor.run(monitor, () -> model.generate("Hi", GenerationOptions.greedy(20)));
            assertEquals(1, reports.size(), reports.toString());
            Progress p = reports.get(0);
            // "Hi" is begin-of-text and two bytes: 5 of the 8 positions are left.
            assertEquals("generate: 5/20 tokens · warning: generation stopped at max_position_embeddings (8) after 5"
                    + " tokens, of the 20 asked for (the prompt holds 3)", p.toString());
        }
    }
}
