package dev.topiary.embedded;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.TrainingOptions;

/**
 * How the embedded teacher is made: its architecture, the seed of its initialisation and data order, and its
 * pre-training schedule. The cache is keyed by all of it, so a changed recipe trains a new teacher.
 *
 * @param config the architecture (its vocabulary size is the embedded tokenizer's)
 * @param seed seeds the initial weights and the order of training batches
 * @param training pre-training schedule and batch geometry
 */
public record TeacherRecipe(LlamaConfig config, long seed, TrainingOptions training) {

    /**
     * The default: {@link LlamaPresets#tiny()} (4.5 M parameters, Llama-3.1-shaped), 300 steps of 16 x 256 tokens
     * (1.2 M tokens, under half an epoch of the training speeches), peak learning rate 3e-3 after 30 warm-up steps,
     * cosine to 3e-4. About 5 minutes on 2 CPU cores.
     */
    public static TeacherRecipe standard() {
        LearningRateSchedule schedule = new LearningRateSchedule(3e-3, 3e-4, 30, 300);
        return new TeacherRecipe(LlamaPresets.tiny(), 1, TrainingOptions.of(schedule, 16, 256));
    }

    /**
     * This recipe pre-trained for {@code steps} steps, warm-up scaled in proportion (at least one step): a quicker,
     * weaker teacher for trying a notebook out, cached apart from the standard teacher. The tokenizer and the
     * tokenized corpus are shared with it (built once, about 10 s), and every teacher's report (validation
     * perplexity, unigram baseline, next-sentence accuracy) takes about 20 s, so the training steps are what a
     * quicker teacher saves. Measured on 2 CPU cores from an empty cache: {@code withSteps(30)} is ready in about a
     * minute (35 s of training) at validation perplexity 663, just under the unigram baseline's 723 — it has learned
     * which words are frequent, not yet how they follow each other, and greedy generation repeats "the"; the
     * standard 300 steps reach about 176.
     *
     * @throws TopiaryException when {@code steps} is not positive
     */
    public TeacherRecipe withSteps(long steps) {
        if (steps <= 0) {
            throw new TopiaryException("a teacher needs at least one pre-training step, got " + steps);
        }
        LearningRateSchedule s = training.schedule();
        long warmup = Math.max(1, Math.round((double) s.warmupSteps() * steps / s.totalSteps()));
        return new TeacherRecipe(config, seed, training.withSchedule(
                new LearningRateSchedule(s.peak(), s.minimum(), Math.min(warmup, steps), steps)));
    }

    /** Tokens the pre-training reads. */
    public long tokens() {
        return training.tokensPerStep() * training.schedule().totalSteps();
    }
}
