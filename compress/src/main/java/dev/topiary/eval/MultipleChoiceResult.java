package dev.topiary.eval;

/**
 * Accuracy on a multiple-choice task, in lm-evaluation-harness's two conventions.
 *
 * @param accuracy share of items whose right choice has the highest log-likelihood
 * @param normalizedAccuracy share of items whose right choice has the highest log-likelihood per character
 *     ({@code acc_norm}), which stops long choices from being penalised for their length
 * @param items items scored
 */
public record MultipleChoiceResult(String task, double accuracy, double normalizedAccuracy, int items) {

    @Override
    public String toString() {
        return String.format("%s: acc %.3f, acc_norm %.3f over %d items", task, accuracy, normalizedAccuracy, items);
    }
}
