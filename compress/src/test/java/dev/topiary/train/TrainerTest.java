package dev.topiary.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaPresets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    static final LlamaConfig CONFIG = LlamaPresets.tiny().withVocabSize(64).toBuilder()
            .setNumHiddenLayers(2).setHiddenSize(32).setIntermediateSize(112).setNumAttentionHeads(4)
            .optNumKeyValueHeads(2).optHeadDim(8).build();

    /**
     * Sequences of a learnable rule (each token is 5 x the previous + 1, mod 61) from random starts: batch i is a
     * pure function of i and the seed.
     */
    static BatchSource ruleBatches(int batchSize, int length, long seed) {
        return index -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003 + index);
            int[] inputs = new int[batchSize * length];
            int[] targets = new int[batchSize * length];
            for (int b = 0; b < batchSize; b++) {
                int token = random.nextInt(61);
                for (int t = 0; t < length; t++) {
                    inputs[b * length + t] = token;
                    token = (token * 5 + 1) % 61;
                    targets[b * length + t] = token;
                }
            }
            return new TokenBatch(inputs, targets, batchSize, length);
        };
    }

    static double loss(Llama model, TokenBatch batch) {
        try (NDManager m = model.manager().newSubManager()) {
            Shape shape = new Shape(batch.batchSize(), batch.sequenceLength());
            return LanguageModelLoss.mean(model.forward(m.create(batch.inputs(), shape)),
                    m.create(batch.targets(), shape)).getFloat();
        }
    }

    static TrainingOptions options(long steps) {
        return TrainingOptions.of(new LearningRateSchedule(3e-3, 3e-4, 5, steps), 4, 16);
    }

    @Test
    void trainingLowersValidationLoss() {
        TokenBatch validation = ruleBatches(8, 16, 99).batch(0);
        try (Llama model = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options(60))) {
            double before = loss(model, validation);
            List<TrainingProgress> history = trainer.train(ruleBatches(4, 16, 1), TrainingListener.NONE,
                    Cancellation.none());
            double after = loss(model, validation);
            assertEquals(60, history.size());
            assertEquals(60L * 4 * 16, trainer.tokens());
            assertTrue(after < 0.5 * before, "validation loss " + before + " -> " + after);
        }
    }

    @Test
    void aFreshThreadTrainsToo() throws Exception {
        // libtorch starts every thread with autograd recording on; a notebook cell runs on a new thread.
        try (Llama model = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options(3))) {
            Throwable[] failure = new Throwable[1];
            Thread thread = new Thread(() -> {
                try {
                    trainer.train(ruleBatches(4, 16, 1), TrainingListener.NONE, Cancellation.none());
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            thread.start();
            thread.join();
            assertEquals(null, failure[0]);
            assertEquals(3L * 4 * 16, trainer.tokens());
        }
    }

    @Test
    void resumingReproducesTheUninterruptedRun(@TempDir Path dir) {
        BatchSource batches = ruleBatches(4, 16, 2);
        double[] uninterrupted = new double[6];
        try (Llama model = Llama.random(CONFIG, 3, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options(20))) {
            for (int i = 0; i < 10; i++) {
                trainer.step(batches);
            }
            TrainingState.save(trainer, dir.resolve("state"));
            for (int i = 0; i < uninterrupted.length; i++) {
                uninterrupted[i] = trainer.step(batches).loss();
            }
        }
        try (Llama fresh = Llama.random(CONFIG, 77, Device.cpu(), DataType.FLOAT32);
                Trainer resumed = new Trainer(fresh, Objective.LANGUAGE_MODELING, options(20))) {
            TrainingState.restore(resumed, dir.resolve("state"));
            assertEquals(10, resumed.step());
            double[] after = new double[uninterrupted.length];
            for (int i = 0; i < after.length; i++) {
                after[i] = resumed.step(batches).loss();
            }
            assertArrayEquals(uninterrupted, after);
        }
    }

    @Test
    void aCollectionDuringTrainingChangesNoNumber() throws Exception {
        // DJL keeps arrays made from Java values, scalar operands among them, in direct buffers that the collector
        // frees once the array is closed, while autograd may still hold the memory for the backward pass.
        for (DataType type : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
            double[][] runs = TrainedNumbers.quietAndUnderCollection(
                    () -> Llama.random(CONFIG, 5, Device.cpu(), type), Objective.LANGUAGE_MODELING,
                    ruleBatches(4, 16, 5), options(30));
            assertArrayEquals(runs[0], runs[1], type.toString());
        }
    }

    @Test
    void aStateFromAnotherArchitectureOrRunIsRefused(@TempDir Path dir) {
        try (Llama model = Llama.random(CONFIG, 3, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options(20))) {
            TrainingState.save(trainer, dir.resolve("state"));
        }
        LlamaConfig wider = CONFIG.toBuilder().setIntermediateSize(128).build();
        try (Llama other = Llama.random(wider, 3, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(other, Objective.LANGUAGE_MODELING, options(20))) {
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> TrainingState.restore(trainer, dir.resolve("state")));
            assertTrue(e.getMessage().contains("was saved for") && e.getMessage().contains("ffn=112"), e.getMessage());
        }
        try (Llama same = Llama.random(CONFIG, 3, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(same, Objective.LANGUAGE_MODELING, options(30))) {
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> TrainingState.restore(trainer, dir.resolve("state")));
            assertTrue(e.getMessage().contains("options"), e.getMessage());
        }
        try (Llama same = Llama.random(CONFIG, 3, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(same, Objective.LANGUAGE_MODELING, options(20))) {
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> TrainingState.restore(trainer, dir.resolve("absent")));
            assertTrue(e.getMessage().contains("trainer.json is missing"), e.getMessage());
        }
    }

    @Test
    void accumulatedMicroBatchesEqualOneLargeBatch() {
        BatchSource small = ruleBatches(2, 16, 5);
        // The large batch holds micro-batches 2k and 2k+1 stacked.
        BatchSource large = index -> {
            TokenBatch a = small.batch(2 * index);
            TokenBatch b = small.batch(2 * index + 1);
            int[] inputs = concat(a.inputs(), b.inputs());
            int[] targets = concat(a.targets(), b.targets());
            return new TokenBatch(inputs, targets, 4, 16);
        };
        LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 1e-4, 2, 6);
        TrainingOptions accumulated = TrainingOptions.of(schedule, 2, 16).withAccumulationSteps(2);
        TrainingOptions single = TrainingOptions.of(schedule, 4, 16);
        try (Llama a = Llama.random(CONFIG, 4, Device.cpu(), DataType.FLOAT32);
                Llama b = Llama.random(CONFIG, 4, Device.cpu(), DataType.FLOAT32);
                Trainer ta = new Trainer(a, Objective.LANGUAGE_MODELING, accumulated);
                Trainer tb = new Trainer(b, Objective.LANGUAGE_MODELING, single)) {
            for (int i = 0; i < 6; i++) {
                TrainingProgress pa = ta.step(small);
                TrainingProgress pb = tb.step(large);
                assertEquals(pb.loss(), pa.loss(), 1e-5);
                assertEquals(pb.tokens(), pa.tokens());
            }
            a.parameters().forEach((name, p) -> {
                float[] x = p.toFloatArray();
                float[] y = b.parameters().get(name).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(y[i], x[i], 1e-5, name);
                }
            });
        }
    }

    @Test
    void cancellationStopsBetweenStepsAndKeepsTheStepsTaken() {
        Cancellation cancellation = new Cancellation();
        try (Llama model = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options(50))) {
            assertThrows(CancellationException.class, () -> trainer.train(ruleBatches(4, 16, 1), progress -> {
                if (progress.step() == 3) {
                    cancellation.cancel();
                }
            }, cancellation));
            assertEquals(3, trainer.step());
        }
    }

    @Test
    void onlyTheNamedParametersTrainAndTheOthersKeepTheirValues() {
        try (Llama model = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT32)) {
            Map<String, float[]> before = values(model);
            Set<String> secondLayer = model.parameters().keySet().stream()
                    .filter(name -> name.startsWith("model.layers.1.")).collect(Collectors.toSet());
            try (Trainer trainer = new Trainer(model, secondLayer, Objective.LANGUAGE_MODELING, options(5))) {
                trainer.train(ruleBatches(4, 16, 1), TrainingListener.NONE, Cancellation.none());
            }
            for (Map.Entry<String, float[]> e : values(model).entrySet()) {
                if (secondLayer.contains(e.getKey())) {
                    assertFalse(Arrays.equals(before.get(e.getKey()), e.getValue()), e.getKey() + " did not train");
                } else {
                    assertArrayEquals(before.get(e.getKey()), e.getValue(), e.getKey() + " changed");
                }
                assertFalse(model.parameters().get(e.getKey()).hasGradient(), "gradients are off again");
            }
            assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(model, Set.of("model.layers.9.mlp.up_proj.weight"), Objective.LANGUAGE_MODELING,
                            options(5)));
        }
    }

    static Map<String, float[]> values(Llama model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> values.put(name, p.toFloatArray()));
        return values;
    }

    @Test
    void theFirstAdamWStepMatchesAHandComputation() {
        // One weight w = 2 with gradient g = 0.5 (from loss 0.5 * w^2 / 2 ... set directly): Adam's first step moves
        // w by lr * g / (|g| + eps) after bias correction, plus decoupled decay lr * wd * w.
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {2f, -1f}, new Shape(1, 2));
            w.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector c = m.getEngine().newGradientCollector()) {
                c.backward(w.square().sum().mul(0.125f)); // gradient 0.25 * w = {0.5, -0.25}
            }
            try (AdamW adam = new AdamW(java.util.Map.of("w", w), 0.9, 0.95, 1e-8, 0.1)) {
                adam.step(0.01, 1.0);
                float[] after = w.toFloatArray();
                double w0 = 2 * (1 - 0.01 * 0.1) - 0.01 * 0.5 / (0.5 + 1e-8);
                double w1 = -1 * (1 - 0.01 * 0.1) + 0.01 * 0.25 / (0.25 + 1e-8);
                assertEquals(w0, after[0], 1e-6);
                assertEquals(w1, after[1], 1e-6);
                assertEquals(0f, w.getGradient().abs().sum().getFloat(), "the step clears the gradients");
            }
        }
    }

    @Test
    void theScheduleWarmsUpLinearlyThenDecaysByCosine() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 1e-4, 4, 14);
        assertEquals(2.5e-4, s.at(0), 1e-12);
        assertEquals(1e-3, s.at(3), 1e-12);
        assertEquals(1e-3, s.at(4), 1e-12);
        // Halfway through the 10 decay steps (step 4 + 4.5): the mean of peak and minimum.
        assertEquals(1e-4 + 0.5 * 9e-4 * (1 + Math.cos(Math.PI * 5 / 9.0)), s.at(9), 1e-12);
        assertEquals(1e-4, s.at(13), 1e-12);
    }

    @Test
    void lossScalingHalvesOnOverflowAndGrowsAfterARunOfGoodSteps() {
        LossScaler scaler = LossScaler.dynamic();
        assertEquals(65536, scaler.scale());
        assertEquals(false, scaler.update(false));
        assertEquals(32768, scaler.scale());
        for (int i = 0; i < LossScaler.GROWTH_INTERVAL - 1; i++) {
            assertTrue(scaler.update(true));
        }
        assertEquals(32768, scaler.scale());
        scaler.update(true);
        assertEquals(65536, scaler.scale());
        LossScaler none = LossScaler.none();
        assertEquals(false, none.update(false));
        assertEquals(1, none.scale());
    }

    @Test
    void halfPrecisionTrainingScalesTheLossAndKeepsFp32Masters() {
        TokenBatch validation = ruleBatches(8, 16, 99).batch(0);
        try (Llama model = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT16);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options(40))) {
            double before = loss(model, validation);
            trainer.train(ruleBatches(4, 16, 1), TrainingListener.NONE, Cancellation.none());
            double after = loss(model, validation);
            assertEquals(DataType.FLOAT16, model.dataType());
            assertTrue(trainer.optimizer().state().keySet().stream().anyMatch(k -> k.startsWith("master.")));
            assertTrue(after < 0.7 * before, "fp16 validation loss " + before + " -> " + after);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
