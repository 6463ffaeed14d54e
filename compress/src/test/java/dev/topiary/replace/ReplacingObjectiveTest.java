package dev.topiary.replace;

import static dev.topiary.replace.ReplacingLoss.NEXT_TOKEN;
import static dev.topiary.replace.ReplacingLoss.PREDECESSOR_KL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.distill.DistillationObjective;
import dev.topiary.llama.HybridLlama;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.DepthPruner;
import dev.topiary.train.LanguageModelLoss;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The replacing loss at rates 0 and 1 and under seeded draws, against losses computed from plain passes. */
class ReplacingObjectiveTest {

    static final LlamaConfig CONFIG = LlamaConfig.builder().setHiddenSize(16).setIntermediateSize(56)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).setNumHiddenLayers(6).setVocabSize(29)
            .optMaxPositionEmbeddings(64).build();

    static Llama predecessor;
    static Llama successor;
    static NDManager manager;
    static NDArray inputs;
    static NDArray targets;

    @BeforeAll
    static void models() {
        predecessor = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT32);
        // Three layers unlike the predecessor's (another model's 0, 2 and 4) between its embedding, norm and head.
        try (Llama other = Llama.random(CONFIG, 2, Device.cpu(), DataType.FLOAT32);
                Llama layers = DepthPruner.drop(other, 1, 3, 5)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            layers.parameters().forEach((name, t) -> tensors.put(name,
                    (name.startsWith("model.layers.") ? t : predecessor.parameters().get(name)).duplicate()));
            successor = Llama.fromParameters(layers.config(), tensors, "successor");
        }
        manager = predecessor.manager().newSubManager();
        inputs = manager.create(new int[] {3, 7, 7, 1, 28, 0, 12, 4}, new Shape(2, 4));
        targets = manager.create(new int[] {7, 7, 1, 28, 0, 12, 4, 9}, new Shape(2, 4));
    }

    @AfterAll
    static void close() {
        manager.close();
        successor.close();
        predecessor.close();
    }

    static float loss(NDArray logits) {
        return LanguageModelLoss.mean(logits, targets).getFloat();
    }

    @Test
    void atRateZeroTheLossIsThePredecessorsAndAtRateOneTheSuccessors() {
        ReplacingObjective never = new ReplacingObjective(predecessor, new ReplacementSchedule(0, 0), NEXT_TOKEN, 5);
        ReplacingObjective always = new ReplacingObjective(predecessor, new ReplacementSchedule(1, 0), NEXT_TOKEN, 5);
        for (int step = 0; step < 3; step++) {
            assertEquals(loss(predecessor.forward(inputs)), never.loss(successor, inputs, targets).getFloat());
            assertEquals(loss(successor.forward(inputs)), always.loss(successor, inputs, targets).getFloat());
        }
    }

    @Test
    void theDistillationLossIsTheKlFromThePredecessorZeroAtRateZero() {
        ReplacingObjective never = new ReplacingObjective(predecessor, new ReplacementSchedule(0, 0), PREDECESSOR_KL,
                5);
        ReplacingObjective always = new ReplacingObjective(predecessor, new ReplacementSchedule(1, 0), PREDECESSOR_KL,
                5);
        assertEquals(0f, never.loss(successor, inputs, targets).getFloat());
        float kl = DistillationObjective.klDivergence(predecessor.forward(inputs), successor.forward(inputs), 1)
                .getFloat();
        assertTrue(kl > 1e-4, "the successor differs from the predecessor: " + kl);
        assertEquals(kl, always.loss(successor, inputs, targets).getFloat());
    }

    @Test
    void eachStepDrawsEveryModuleFromTheSeededRandomAtTheSchedulesRate() {
        ReplacementSchedule schedule = new ReplacementSchedule(0.2, 0.3);
        ReplacingObjective objective = new ReplacingObjective(predecessor, schedule, NEXT_TOKEN, 42);
        Random draws = new Random(42);
        HybridLlama hybrid = HybridLlama.of(predecessor, successor);
        for (int step = 0; step < 4; step++) {
            double rate = 0.2 + 0.3 * step;
            boolean[] replaced = new boolean[3];
            for (int m = 0; m < 3; m++) {
                replaced[m] = draws.nextDouble() < Math.min(1, rate);
            }
            assertEquals(loss(hybrid.forward(inputs, replaced)), objective.loss(successor, inputs, targets).getFloat(),
                    "step " + step);
        }
        ReplacementSchedule half = new ReplacementSchedule(0.5, 0);
        float first = new ReplacingObjective(predecessor, half, NEXT_TOKEN, 42).loss(successor, inputs, targets)
                .getFloat();
        float otherSeed = new ReplacingObjective(predecessor, half, NEXT_TOKEN, 43).loss(successor, inputs, targets)
                .getFloat();
        assertEquals(loss(hybrid.forward(inputs, pattern(42, 0.5))), first);
        assertEquals(loss(hybrid.forward(inputs, pattern(43, 0.5))), otherSeed);
        assertFalse(Arrays.equals(pattern(42, 0.5), pattern(43, 0.5)),
                "seeds 42 and 43 should draw different first steps for this test to mean anything");
        assertNotEquals(first, otherSeed);
    }

    static boolean[] pattern(long seed, double rate) {
        Random random = new Random(seed);
        boolean[] replaced = new boolean[3];
        for (int m = 0; m < 3; m++) {
            replaced[m] = random.nextDouble() < rate;
        }
        return replaced;
    }
}
