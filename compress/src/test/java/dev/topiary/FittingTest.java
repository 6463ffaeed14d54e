package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.data.IndexedDatasetWriter;
import dev.topiary.data.PackedBatches;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.train.LanguageModelLoss;
import dev.topiary.train.Objective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FittingTest {

    @Test
    void aLaterPhaseReadsOnInTheBatchOrderWhereTheEarlierStopped(@TempDir Path dir) {
        LlamaConfig config = LlamaConfig.builder().setHiddenSize(16).setIntermediateSize(56).setNumAttentionHeads(4)
                .optNumKeyValueHeads(2).setNumHiddenLayers(1).setVocabSize(50).optMaxPositionEmbeddings(32).build();
        Path prefix = dir.resolve("tokens");
        SplittableRandom random = new SplittableRandom(1);
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 50)) {
            for (int doc = 0; doc < 20; doc++) {
                w.addDocument(random.ints(50, 0, 50).toArray());
            }
            w.finish();
        }
        Training run = Training.steps(2).withBatch(2, 8).withLearningRate(1e-3).withSeed(4)
                .withData(Corpus.indexed(prefix));
        List<int[]> seen = new ArrayList<>();
        Objective recording = (model, inputs, targets) -> {
            seen.add(inputs.toIntArray());
            return LanguageModelLoss.mean(model.forward(inputs), targets);
        };
        try (Llama model = Llama.random(config, 1, Device.cpu(), DataType.FLOAT32);
                Corpus.Opened data = run.data().open()) {
            Monitor.run(new Monitor(ProgressListener.SILENT, Cancellation.none()),
                    () -> Fitting.fit(model, model.parameters().keySet(), recording, run, 3, "later phase"));
            PackedBatches order = new PackedBatches(data.dataset(), 8, 2, 4);
            assertEquals(2, seen.size());
            assertArrayEquals(order.batch(3).inputs(), seen.get(0));
            assertArrayEquals(order.batch(4).inputs(), seen.get(1));
        }
    }
}
