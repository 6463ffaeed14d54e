package dev.topiary.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.llama.ActivationObserver;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.prune.WidthPruner;
import dev.topiary.prune.WidthSelection;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.TokenBatch;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingListener;
import dev.topiary.train.TrainingOptions;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The hidden-state cosine term of {@link DistillationObjective}, against computations made outside it. */
class HiddenStateLossTest {

    /** hidden 48, 2 layers, vocabulary 40 (see {@link DistillationObjectiveTest#TEACHER}). */
    static final LlamaConfig TEACHER = DistillationObjectiveTest.TEACHER;
    static final LlamaConfig DEEPER_TEACHER = TEACHER.toBuilder().setNumHiddenLayers(3).build();
    /** Narrower than the teacher, as deep. */
    static final LlamaConfig NARROW = TEACHER.toBuilder().setHiddenSize(32).setIntermediateSize(112).build();
    /** 32 of the teacher's 48 channels, out of order, so the test sees that the order is the student's. */
    static final int[] CHANNELS = IntStream.range(0, 32).map(c -> (c * 29 + 7) % 48).toArray();

    @Test
    void cosineDistanceMatchesAHandComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray student = m.create(new float[] {1, 2, 2, 0, 3, 4}, new Shape(1, 2, 3));
            NDArray teacher = m.create(new float[] {2, 0, 0, 0, 6, 8}, new Shape(1, 2, 3));
            // Position 0: cos = 2 / (3 * 2) = 1/3; position 1: parallel, cos = 1.
            double expected = ((1 - 1.0 / 3) + 0) / 2;
            assertEquals(expected, DistillationObjective.cosineDistance(student, teacher).getFloat(), 1e-6);
        }
    }

    @Test
    void theLossAddsTheWeightedMeanCosineDistanceOfMatchedLayers() {
        int[] layerMap = {0, 2};
        TokenBatch batch = DistillationObjectiveTest.batches(5).batch(0);
        try (Llama teacher = Llama.random(DEEPER_TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                Llama student = Llama.random(NARROW, 2, Device.cpu(), DataType.FLOAT32);
                NDManager m = student.manager().newSubManager()) {
            NDArray ids = m.create(batch.inputs(), new Shape(4, 16));
            DistillationObjective objective = DistillationObjective.minitron(teacher)
                    .withHiddenStateLoss(HiddenStateLoss.of(0.5).withLayerMap(layerMap).withTeacherChannels(CHANNELS));
            double kl = DistillationObjective.klDivergence(teacher.forward(ids), student.forward(ids), 1).getFloat();
            double cosine = naiveCosineDistance(teacher, student, ids, layerMap, CHANNELS);
            assertTrue(cosine > 0.1, "unrelated random models are far apart: " + cosine);
            assertEquals(kl + 0.5 * cosine, objective.loss(student, ids, ids).getFloat(), 1e-5);
        }
    }

    @Test
    void aStudentIdenticalToItsTeacherHasZeroLoss() {
        TokenBatch batch = DistillationObjectiveTest.batches(6).batch(0);
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                Llama student = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                NDManager m = student.manager().newSubManager()) {
            NDArray ids = m.create(batch.inputs(), new Shape(4, 16));
            DistillationObjective objective = DistillationObjective.minitron(teacher)
                    .withHiddenStateLoss(HiddenStateLoss.of(1));
            // Both terms are non-negative, so a zero sum means both are zero.
            assertEquals(0, objective.loss(student, ids, ids).getFloat(), 1e-5);
            assertEquals(0, naiveCosineDistance(teacher, student, ids, new int[] {0, 1}, IntStream.range(0, 48)
                    .toArray()), 1e-5);
        }
    }

    @Test
    void aWidthPrunedStudentGetsGradientsFromTheCosineTerm() {
        TokenBatch batch = DistillationObjectiveTest.batches(7).batch(0);
        WidthSelection selection = WidthSelection.all(TEACHER).withHiddenChannels(CHANNELS)
                .withNeuronsInEveryLayer(IntStream.range(0, 112).toArray());
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                Llama logitsOnly = WidthPruner.apply(teacher, selection);
                Llama withHidden = WidthPruner.apply(teacher, selection)) {
            HiddenStateLoss hidden = HiddenStateLoss.of(1).withTeacherChannels(selection.hiddenChannels());
            float[] plain = gradient(DistillationObjective.minitron(teacher), logitsOnly, batch);
            float[] both = gradient(DistillationObjective.minitron(teacher).withHiddenStateLoss(hidden), withHidden,
                    batch);
            assertTrue(IntStream.range(0, both.length).allMatch(i -> Float.isFinite(both[i])), "finite gradients");
            double difference = IntStream.range(0, both.length).mapToDouble(i -> Math.abs(both[i] - plain[i])).sum();
            assertTrue(difference > 1e-6, "the cosine term changes the gradient: " + difference);
        }
    }

    @Test
    void trainingWithTheCosineTermBringsHiddenStatesTowardsTheTeacher() {
        TokenBatch heldOut = DistillationObjectiveTest.batches(99).batch(0);
        int[] identity = {0, 1};
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                Llama student = Llama.random(NARROW, 2, Device.cpu(), DataType.FLOAT32);
                NDManager m = student.manager().newSubManager()) {
            NDArray ids = m.create(heldOut.inputs(), new Shape(4, 16));
            double before = naiveCosineDistance(teacher, student, ids, identity, CHANNELS);
            DistillationObjective objective = DistillationObjective.minitron(teacher)
                    .withHiddenStateLoss(HiddenStateLoss.of(1).withTeacherChannels(CHANNELS));
            TrainingOptions options = TrainingOptions.of(new LearningRateSchedule(3e-3, 3e-4, 3, 30), 4, 16);
            try (Trainer trainer = new Trainer(student, objective, options)) {
                trainer.train(DistillationObjectiveTest.batches(1), TrainingListener.NONE, Cancellation.none());
            }
            double after = naiveCosineDistance(teacher, student, ids, identity, CHANNELS);
            assertTrue(after < 0.5 * before, "held-out cosine distance " + before + " -> " + after);
        }
    }

    @Test
    void mismatchesAreRefusedBeforeTraining() {
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32)) {
            DistillationObjective plain = DistillationObjective.minitron(teacher);
            assertRefused(plain, TEACHER.toBuilder().setVocabSize(41).build(), "(41)", "40 tokens");
            DistillationObjective identity = plain.withHiddenStateLoss(HiddenStateLoss.of(1));
            LlamaConfig shallow = TEACHER.toBuilder().setNumHiddenLayers(1).build();
            assertRefused(identity, shallow, "1 layers and the teacher 2", "layer map");
            assertRefused(identity.withHiddenStateLoss(HiddenStateLoss.of(1).withLayerMap(0, 1)), shallow,
                    "has 2 entries", "has 1 layers");
            assertRefused(identity.withHiddenStateLoss(HiddenStateLoss.of(1).withLayerMap(2)), shallow,
                    "student layer 0 to teacher layer 2", "[0, 2)");
            assertRefused(identity.withHiddenStateLoss(HiddenStateLoss.of(1).withLayerMap(-1)), shallow,
                    "teacher layer -1");
            assertRefused(identity, NARROW, "hidden size (48)", "student's (32)", "hiddenChannels()");
            assertRefused(identity.withHiddenStateLoss(HiddenStateLoss.of(1).withTeacherChannels(0, 1, 2)), NARROW,
                    "selects 3 teacher channels", "hidden size is 32");
            int[] outOfRange = CHANNELS.clone();
            outOfRange[5] = 48;
            assertRefused(identity.withHiddenStateLoss(HiddenStateLoss.of(1).withTeacherChannels(outOfRange)), NARROW,
                    "teacher channel 48", "[0, 48)");
            plain.withHiddenStateLoss(HiddenStateLoss.of(1).withLayerMap(1).withTeacherChannels(CHANNELS))
                    .checkStudent(NARROW.toBuilder().setNumHiddenLayers(1).build());
        }
    }

    @Test
    void theLossChecksTheStudentBeforeRunningAnyModel() {
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                Llama student = Llama.random(NARROW, 2, Device.cpu(), DataType.FLOAT32);
                NDManager m = student.manager().newSubManager()) {
            NDArray ids = m.create(new int[] {1, 2}, new Shape(1, 2));
            DistillationObjective objective = DistillationObjective.minitron(teacher)
                    .withHiddenStateLoss(HiddenStateLoss.of(1));
            TopiaryException e = assertThrows(TopiaryException.class, () -> objective.loss(student, ids, ids));
            assertTrue(e.getMessage().contains("hiddenChannels()"), e.getMessage());
        }
    }

    @Test
    void theTermIsAnImmutableValue() {
        int[] map = {0, 2};
        HiddenStateLoss loss = HiddenStateLoss.of(0.5).withLayerMap(map);
        map[0] = 1;
        loss.layerMap()[1] = 1;
        assertArrayEquals(new int[] {0, 2}, loss.layerMap());
        assertEquals(HiddenStateLoss.of(0.5).withLayerMap(0, 2), loss);
        assertEquals(HiddenStateLoss.of(0.5).withLayerMap(0, 2).hashCode(), loss.hashCode());
        assertNotEquals(HiddenStateLoss.of(0.5).withLayerMap(0, 1), loss);
        for (double weight : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> HiddenStateLoss.of(weight));
            assertTrue(e.getMessage().contains("positive and finite"), e.getMessage());
        }
        assertThrows(TopiaryException.class, () -> HiddenStateLoss.of(1).withLayerMap());
        assertThrows(TopiaryException.class, () -> HiddenStateLoss.of(1).withTeacherChannels());
    }

    private static void assertRefused(DistillationObjective objective, LlamaConfig student, String... parts) {
        TopiaryException e = assertThrows(TopiaryException.class, () -> objective.checkStudent(student));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    /** The concatenated gradients of every parameter of {@code student} after one backward pass of the loss. */
    private static float[] gradient(DistillationObjective objective, Llama student, TokenBatch batch) {
        student.parameters().values().forEach(p -> p.setRequiresGradient(true));
        try (NDScope scope = new NDScope();
                GradientCollector collector = student.manager().getEngine().newGradientCollector()) {
            NDArray ids = student.manager().create(batch.inputs(), new Shape(4, 16));
            NDArray loss = objective.loss(student, ids, ids);
            assertTrue(Float.isFinite(loss.getFloat()), "finite loss " + loss.getFloat());
            collector.backward(loss);
            return LlamaLayout.shapes(student.config()).keySet().stream()
                    .map(name -> student.parameters().get(name).getGradient().toFloatArray())
                    .reduce(new float[0], HiddenStateLossTest::concat);
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Mean over student layers and positions of {@code 1 - cos}, computed in Java doubles from layer outputs
     * captured in separate forward passes.
     */
    private static double naiveCosineDistance(Llama teacher, Llama student, NDArray ids, int[] layerMap,
            int[] channels) {
        float[][] t = layerOutputs(teacher, ids);
        float[][] s = layerOutputs(student, ids);
        int teacherWidth = teacher.config().hiddenSize();
        int studentWidth = student.config().hiddenSize();
        int positions = t[0].length / teacherWidth;
        double sum = 0;
        for (int layer = 0; layer < s.length; layer++) {
            for (int p = 0; p < positions; p++) {
                double dot = 0;
                double ss = 0;
                double tt = 0;
                for (int c = 0; c < studentWidth; c++) {
                    double a = s[layer][p * studentWidth + c];
                    double b = t[layerMap[layer]][p * teacherWidth + channels[c]];
                    dot += a * b;
                    ss += a * a;
                    tt += b * b;
                }
                sum += 1 - dot / Math.sqrt(ss * tt);
            }
        }
        return sum / (s.length * positions);
    }

    /** Each layer's output, {@code [B * T * hidden]}, copied out of a forward pass. */
    private static float[][] layerOutputs(Llama model, NDArray ids) {
        float[][] outputs = new float[model.config().numHiddenLayers()][];
        model.forward(ids, (layer, site, activation) -> {
            if (site == ActivationObserver.Site.LAYER_OUTPUT) {
                outputs[layer] = activation.toFloatArray();
            }
        }, Set.of());
        return outputs;
    }
}
