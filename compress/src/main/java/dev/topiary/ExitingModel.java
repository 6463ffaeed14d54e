package dev.topiary;

import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.eval.ExitingEvaluation;
import dev.topiary.eval.MultipleChoiceTask;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import java.lang.ref.Reference;
import java.util.Locale;

/**
 * A model with early-exit off-ramps ({@link Model#withExits}) decoding at one confidence threshold
 * ({@link Model#exiting}): each token runs the decoder layers in order and leaves at the first off-ramp whose largest
 * next-token probability reaches the threshold; the layers it skips receive the exit's hidden state in their KV
 * caches, so later tokens attend to every position at every layer. A prompt runs every layer. At {@link #NEVER} the
 * logits are the full model's, bit for bit.
 */
public final class ExitingModel {

    /** The threshold that never exits: the full model. */
    public static final double NEVER = Double.POSITIVE_INFINITY;

    private final Model model;
    private final double threshold;

    /** @throws TopiaryException when the model has no off-ramps, or the threshold is NaN or negative */
    ExitingModel(Model model, double threshold) {
        if (model.config().exitLayers().isEmpty()) {
            throw new TopiaryException("this model has no off-ramps to exit at: add them with withExits()");
        }
        if (!(threshold >= 0)) {
            throw new TopiaryException("an exit threshold is a confidence in [0, 1] (or NEVER), got " + threshold);
        }
        this.model = model;
        this.threshold = threshold;
    }

    public double threshold() {
        return threshold;
    }

    /**
     * Next-token loss of early-exit decoding on up to {@code maxTokens} predicted tokens of {@code data} (0: all),
     * in the windows of {@link Model#loss}, with the layers run per token and the tokens decoded per second.
     */
    public ExitingEvaluation.Loss loss(Corpus data, long maxTokens) {
        Monitor monitor = Monitor.current();
        String task = "early exit at " + describe(threshold);
        try (Corpus.Opened opened = data.open()) {
            return ExitingEvaluation.languageModel(model.llama(), opened.dataset(), Evaluation.WINDOW_LENGTH,
                    maxTokens, threshold, monitor.cancellation(),
                    (done, total) -> monitor.report(new Progress(task, done, total, "windows", data.toString())));
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    /**
     * Accuracy on the first {@code items} of the embedded next-sentence task (0: all of them) when the choices are
     * decoded with early exit after the context.
     *
     * @throws TopiaryException when the model has no tokenizer
     */
    public ExitingEvaluation.Choices nextSentence(int items) {
        MultipleChoiceTask all = EmbeddedTeacher.nextSentenceTask();
        MultipleChoiceTask task = items <= 0 || items >= all.items().size() ? all
                : new MultipleChoiceTask(all.name() + " (first " + items + ")", all.items().subList(0, items));
        Monitor monitor = Monitor.current();
        int total = task.items().size();
        String what = "next-sentence at " + describe(threshold);
        try (Tokenizer t = Tokenizer.load(model.tokenizer())) {
            return ExitingEvaluation.multipleChoice(model.llama(), t, task, threshold, monitor.cancellation(),
                    scored -> monitor.report(new Progress(what, scored, total, "items", task.name())));
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    /**
     * The greedy continuation of {@code prompt}, up to {@code maxTokens} tokens, with the layers each token ran.
     *
     * @throws TopiaryException when the model has no tokenizer
     */
    public ExitText generate(String prompt, int maxTokens) {
        Monitor.current().check("early-exit generation");
        try (Tokenizer t = Tokenizer.load(model.tokenizer())) {
            Generator.Exiting exiting = Generator.generateExiting(model.llama(), t.encode(prompt),
                    GenerationOptions.greedy(maxTokens), threshold);
            String[] pieces = new String[exiting.tokens().length];
            for (int i = 0; i < pieces.length; i++) {
                pieces[i] = t.decode(new int[] {exiting.tokens()[i]});
            }
            return new ExitText(prompt, pieces, exiting.layersRun(), model.config().numHiddenLayers(), threshold);
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    static String describe(double threshold) {
        return threshold == NEVER ? "never" : String.format(Locale.ROOT, "%.3g", threshold);
    }

    @Override
    public String toString() {
        return "early exit at confidence " + describe(threshold) + " through ramps after layers "
                + model.config().exitLayers() + " of " + model.config().numHiddenLayers() + ": "
                + model.lineage().summary();
    }
}
