package dev.topiary.embedded;

import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.eval.MultipleChoiceResult;

/**
 * What pre-training the embedded teacher produced, measured once when it was trained and kept beside it.
 *
 * @param parameters the teacher's parameter count
 * @param trainTokens tokens read in pre-training
 * @param trainSeconds wall-clock time of pre-training
 * @param validation the teacher on the validation speeches
 * @param unigram a context-free unigram model on the same speeches, the floor to beat
 * @param nextSentence the teacher on the embedded next-sentence task (test speeches)
 */
public record TeacherReport(long parameters, long trainTokens, double trainSeconds, LanguageModelMetrics validation,
        LanguageModelMetrics unigram, MultipleChoiceResult nextSentence) {

    @Override
    public String toString() {
        return String.format("embedded teacher: %,d parameters, %,d training tokens in %.0f s; validation perplexity"
                        + " %.1f (unigram %.1f); next-sentence accuracy %.3f (chance 0.25)",
                parameters, trainTokens, trainSeconds, validation.perplexity(), unigram.perplexity(),
                nextSentence.accuracy());
    }
}
