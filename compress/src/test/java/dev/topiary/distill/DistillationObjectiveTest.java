package dev.topiary.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.topiary.train.BatchSource;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.TokenBatch;
import dev.topiary.train.TrainedNumbers;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingListener;
import dev.topiary.train.TrainingOptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistillationObjectiveTest {

    static final LlamaConfig TEACHER = LlamaConfig.builder().setHiddenSize(48).setIntermediateSize(168)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).optHeadDim(12).setNumHiddenLayers(2).setVocabSize(40)
            .optMaxPositionEmbeddings(64).build();
    /** Narrower and shallower, as a pruned student is. */
    static final LlamaConfig STUDENT = TEACHER.toBuilder().setHiddenSize(32).setIntermediateSize(112)
            .setNumHiddenLayers(1).build();

    static BatchSource batches(long seed) {
        return index -> {
            SplittableRandom r = new SplittableRandom(seed * 7919 + index);
            return new TokenBatch(r.ints(4 * 16, 0, 40).toArray(), r.ints(4 * 16, 0, 40).toArray(), 4, 16);
        };
    }

    static double kl(Llama teacher, Llama student, TokenBatch batch) {
        try (NDManager m = student.manager().newSubManager()) {
            NDArray ids = m.create(batch.inputs(), new Shape(4, 16));
            return DistillationObjective.klDivergence(teacher.forward(ids), student.forward(ids), 1).getFloat();
        }
    }

    @Test
    void klDivergenceMatchesAHandComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] p = {1f, 2f, 0.5f};
            float[] q = {0.2f, 1.5f, 1f};
            double expected = 0;
            double zp = Math.exp(1) + Math.exp(2) + Math.exp(0.5);
            double zq = Math.exp(0.2) + Math.exp(1.5) + Math.exp(1);
            for (int i = 0; i < 3; i++) {
                double pi = Math.exp(p[i]) / zp;
                double qi = Math.exp(q[i]) / zq;
                expected += pi * Math.log(pi / qi);
            }
            NDArray teacher = m.create(p, new Shape(1, 1, 3));
            NDArray student = m.create(q, new Shape(1, 1, 3));
            assertEquals(expected, DistillationObjective.klDivergence(teacher, student, 1).getFloat(), 1e-6);
            assertEquals(0, DistillationObjective.klDivergence(teacher, teacher, 2).getFloat(), 1e-7);
        }
    }

    @Test
    void distillingLowersHeldOutKlTowardsTheTeacher() {
        TokenBatch heldOut = batches(99).batch(0);
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32);
                Llama student = Llama.random(STUDENT, 2, Device.cpu(), DataType.FLOAT32)) {
            // Sharpen the teacher so there is a distribution worth learning.
            teacher.parameters().get("lm_head.weight").muli(20);
            double before = kl(teacher, student, heldOut);
            TrainingOptions options = TrainingOptions.of(new LearningRateSchedule(3e-3, 3e-4, 3, 40), 4, 16);
            try (Trainer trainer = new Trainer(student, DistillationObjective.minitron(teacher), options)) {
                trainer.train(batches(1), TrainingListener.NONE, Cancellation.none());
            }
            double after = kl(teacher, student, heldOut);
            assertTrue(after < 0.6 * before, "held-out KL " + before + " -> " + after);
            assertTrue(teacher.parameters().values().stream().noneMatch(NDArray::hasGradient)
                    || teacher.parameters().values().stream().allMatch(p -> p.getGradient().abs().sum().getFloat() == 0),
                    "the teacher is not trained");
        }
    }

    @Test
    void aCollectionDuringDistillationChangesNoNumber() throws Exception {
        // Every scalar of the objective (temperature, term weights, the cosine's floor) reaches the backward pass.
        try (Llama teacher = Llama.random(TEACHER, 1, Device.cpu(), DataType.FLOAT32)) {
            DistillationObjective objective = new DistillationObjective(teacher, 2, 0.5)
                    .withHiddenStateLoss(HiddenStateLoss.of(1).withTeacherChannels(HiddenStateLossTest.CHANNELS));
            double[][] runs = TrainedNumbers.quietAndUnderCollection(
                    () -> Llama.random(HiddenStateLossTest.NARROW, 2, Device.cpu(), DataType.FLOAT32), objective,
                    batches(3), TrainingOptions.of(new LearningRateSchedule(3e-3, 3e-4, 3, 20), 4, 16));
            assertArrayEquals(runs[0], runs[1]);
        }
    }

    @Test
    void aTeacherWithAnotherVocabularyIsRefused() {
        try (Llama teacher = Llama.random(TEACHER.toBuilder().setVocabSize(41).build(), 1, Device.cpu(),
                        DataType.FLOAT32);
                Llama student = Llama.random(STUDENT, 2, Device.cpu(), DataType.FLOAT32);
                NDManager m = student.manager().newSubManager()) {
            NDArray ids = m.create(new int[] {1, 2}, new Shape(1, 2));
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> DistillationObjective.minitron(teacher).loss(student, ids, ids));
            assertTrue(e.getMessage().contains("41 tokens") && e.getMessage().contains("(40)"), e.getMessage());
        }
    }
}
