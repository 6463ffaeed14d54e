package dev.topiary;

/**
 * What a model's verbs use when a step leaves it unset: the corpus for training and calibration, the corpus for
 * evaluation, and the peak learning rate. Models derived from the embedded teacher default to the embedded State of
 * the Union corpus, also when loaded from a checkpoint Topiary saved with its recipe; any other checkpoint has no
 * default data, and its verbs ask for some.
 *
 * @param training training and calibration tokens, or null when the caller must give them
 * @param validation held-out tokens for {@link Model#evaluate()}, or null
 * @param learningRate peak learning rate for training and distillation
 * @param nextSentence whether {@link Model#evaluate()} also scores the embedded next-sentence task
 */
public record ModelDefaults(Corpus training, Corpus validation, double learningRate, boolean nextSentence) {

    /** Minitron's peak learning rate for distilling billion-parameter Llamas. */
    public static final double MINITRON_LEARNING_RATE = 1e-4;

    /**
     * Peak learning rate for the embedded teacher's descendants: the tiny models learn faster than large ones, and
     * 1e-3 recovers a pruned student in a hundred steps where 1e-4 barely moves it.
     */
    public static final double EMBEDDED_LEARNING_RATE = 1e-3;

    /** The embedded corpus's train and validation splits, with the next-sentence task. */
    static ModelDefaults embedded() {
        return new ModelDefaults(Corpus.embedded(Corpus.Split.TRAIN), Corpus.embedded(Corpus.Split.VALIDATION),
                EMBEDDED_LEARNING_RATE, true);
    }

    /**
     * The defaults of a model with {@code lineage}: the embedded corpus and task for the embedded teacher's
     * descendants (a recipe does not record other data a step was given), none for any other.
     */
    static ModelDefaults of(Lineage lineage) {
        return lineage.origin() instanceof Origin.EmbeddedTeacher ? embedded() : none();
    }

    /** No data: every verb that needs tokens must be given them. */
    static ModelDefaults none() {
        return new ModelDefaults(null, null, MINITRON_LEARNING_RATE, false);
    }

    /** These defaults with other data, and without the embedded next-sentence task. */
    ModelDefaults withData(Corpus trainingData, Corpus validationData) {
        return new ModelDefaults(trainingData, validationData, learningRate, false);
    }

    /** The training corpus, or a clear request for one naming {@code verb}. */
    Corpus trainingData(String verb) {
        if (training == null) {
            throw new TopiaryException(verb + " needs data, and this model has no default corpus (only the embedded"
                    + " teacher's descendants do): give it, e.g. .withData(Corpus.indexed(Path.of(\"data/train\"))) or"
                    + " Corpus.text(file, tokenizer)");
        }
        return training;
    }

    /** The evaluation corpus, or a clear request for one. */
    Corpus validationData() {
        if (validation == null) {
            throw new TopiaryException("evaluate() needs held-out data, and this model has no default corpus: call"
                    + " evaluate(Corpus.indexed(...)) or evaluate(Corpus.text(file, tokenizer))");
        }
        return validation;
    }
}
