package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.topiary.engine.Engines;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static NDManager manager;
    private static LlamaConfig config;
    private static Map<String, float[]> weights;

    @BeforeAll
    static void start() {
        manager = Engines.engine().newBaseManager();
        config = LlamaForwardTest.config(16, 4, 2, 0, false, null).toBuilder().optEosTokenIds(List.of(28)).build();
        weights = TestWeights.random(config, 5);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void greedyDecodingFollowsTheArgmaxOfFullForwardPasses() {
        int[] prompt = {3, 14, 15};
        ReferenceLlama reference = new ReferenceLlama(config, weights);
        // Independent truth: re-run the whole sequence through the reference for every new token.
        int[] sequence = prompt.clone();
        int[] expected = new int[8];
        for (int i = 0; i < expected.length; i++) {
            double[] last = reference.logits(sequence)[sequence.length - 1];
            int best = 0;
            for (int v = 1; v < last.length; v++) {
                best = last[v] > last[best] ? v : best;
            }
            expected[i] = best;
            sequence = Arrays.copyOf(sequence, sequence.length + 1);
            sequence[sequence.length - 1] = best;
        }
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager())) {
            int[] generated = Generator.generate(model, prompt, GenerationOptions.greedy(8).withStopAtEos(false));
            assertArrayEquals(expected, generated);
        }
    }

    @Test
    void samplingIsRepeatableForASeedAndVariesAcrossSeeds() {
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager())) {
            int[] prompt = {1, 2};
            GenerationOptions options = new GenerationOptions(20, 1.5, 1.0, 42, false);
            int[] a = Generator.generate(model, prompt, options);
            int[] b = Generator.generate(model, prompt, options);
            assertArrayEquals(a, b);
            boolean differs = false;
            for (long seed = 0; seed < 5 && !differs; seed++) {
                differs = !Arrays.equals(a, Generator.generate(model, prompt,
                        new GenerationOptions(20, 1.5, 1.0, seed, false)));
            }
            assertTrue(differs, "different seeds should give different samples at temperature 1.5");
        }
    }

    @Test
    void generationStopsAtEndOfSequenceAndKeepsIt() {
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager())) {
            int[] free = Generator.generate(model, new int[] {7}, new GenerationOptions(40, 3.0, 1.0, 1, false));
            int eosAt = -1;
            for (int i = 0; i < free.length && eosAt < 0; i++) {
                eosAt = free[i] == 28 ? i : -1;
            }
            assertTrue(eosAt >= 0, "a hot sampler over 29 tokens should hit token 28 within 40 steps");
            int[] stopped = Generator.generate(model, new int[] {7}, new GenerationOptions(40, 3.0, 1.0, 1, true));
            assertArrayEquals(Arrays.copyOf(free, eosAt + 1), stopped);
        }
    }

    @Test
    void stoppingAtMaxPositionEmbeddingsIsReportedAndOnlyThen() {
        LlamaConfig short8 = config.toBuilder().optMaxPositionEmbeddings(8).build();
        GenerationOptions free20 = new GenerationOptions(20, 0, 1, 0, false);
        try (Llama model = TestWeights.toModel(short8, weights, manager.newSubManager())) {
            int[] generated = Generator.generate(model, new int[] {1, 2, 3}, free20);
            assertEquals(5, generated.length);
            assertEquals("generation stopped at max_position_embeddings (8) after 5 tokens, of the 20 asked for"
                    + " (the prompt holds 3)", Generator.contextLimitWarning(short8, 3, generated, free20));
        }
        assertEquals(null, Generator.contextLimitWarning(short8, 3, new int[5], free20.withMaxNewTokens(5)),
                "asked for exactly what fitted");
        assertEquals(null, Generator.contextLimitWarning(short8, 3, new int[4], free20), "room was left");
        assertEquals(null, Generator.contextLimitWarning(short8, 3, new int[] {0, 0, 0, 0, 28},
                free20.withStopAtEos(true)), "the last token ended the text");
        assertEquals("generation stopped at max_position_embeddings (8) after 0 tokens, of the 20 asked for"
                + " (the prompt holds 8)", Generator.contextLimitWarning(short8, 8, new int[0], free20));
    }

    @Test
    void topPSamplesOnlyFromTheNucleusInProportion() {
        // Probabilities 0.5, 0.3, 0.15, 0.05: a nucleus of 0.7 holds the first two tokens only.
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        TokenSampler sampler = new TokenSampler(new GenerationOptions(1, 1.0, 0.7, 3, true));
        int[] counts = new int[4];
        int draws = 20000;
        for (int i = 0; i < draws; i++) {
            counts[sampler.next(logits)]++;
        }
        assertEquals(0, counts[2] + counts[3]);
        assertEquals(0.5 / 0.8, counts[0] / (double) draws, 0.02);
    }

    @Test
    void temperatureZeroIsGreedy() {
        float[] logits = {0.1f, 2.5f, 2.4f};
        TokenSampler sampler = new TokenSampler(new GenerationOptions(1, 0, 1, 9, true));
        for (int i = 0; i < 10; i++) {
            assertEquals(1, sampler.next(logits));
        }
    }
}
