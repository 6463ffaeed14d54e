package dev.topiary.eval;

import java.util.List;

/**
 * One multiple-choice question: a context and candidate continuations, one of them right.
 *
 * @param context the text the choices continue
 * @param choices the candidate continuations (each usually starting with a space)
 * @param answer the index of the right choice
 */
public record MultipleChoiceItem(String context, List<String> choices, int answer) {

    public MultipleChoiceItem {
        choices = List.copyOf(choices);
        if (choices.size() < 2) {
            throw new IllegalArgumentException("a multiple-choice item needs at least two choices, got " + choices.size());
        }
        if (answer < 0 || answer >= choices.size()) {
            throw new IllegalArgumentException("answer " + answer + " is not the index of one of the "
                    + choices.size() + " choices");
        }
        if (choices.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("choices must not be empty");
        }
    }
}
