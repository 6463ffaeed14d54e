package dev.topiary.embedded;

import dev.topiary.data.Document;
import dev.topiary.eval.MultipleChoiceItem;
import dev.topiary.eval.MultipleChoiceTask;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * The embedded zero-shot task: given two consecutive sentences of a held-out speech, pick the sentence that really
 * follows among four (the others come from other held-out speeches). Chance is 25%; a model must have learned how
 * the text goes on to do better.
 */
public final class NextSentenceTask {

    /**
     * A sentence ends at ., ! or ? followed by white space and a capital letter or an opening quote, except after
     * titles (Mr., Gen., ...) and initials such as U.S.
     */
    private static final Pattern SENTENCE_END = Pattern.compile(
            "(?<![A-Z]\\.[A-Z]\\.)(?<!\\b(?:Mr|Mrs|Ms|Dr|St|Gen|Gov|Hon|Jr|Sr|Messrs|No)\\.)(?<=[.!?])\\s+(?=[\"'A-Z])");
    private static final int MIN_SENTENCE = 30;
    private static final int MAX_SENTENCE = 240;
    private static final int CHOICES = 4;

    private NextSentenceTask() {}

    /**
     * Builds {@code size} items from {@code documents} (at least two), deterministically for a seed: the same
     * documents and seed always give the same items in the same order.
     */
    public static MultipleChoiceTask build(List<Document> documents, int size, long seed) {
        if (documents.size() < 2) {
            throw new IllegalArgumentException("the next-sentence task needs at least two documents");
        }
        List<List<String>> sentences = documents.stream().map(d -> sentences(d.text())).toList();
        SplittableRandom random = new SplittableRandom(seed);
        List<MultipleChoiceItem> items = new ArrayList<>();
        int attempts = 0;
        while (items.size() < size && attempts++ < size * 100) {
            int doc = random.nextInt(documents.size());
            List<String> own = sentences.get(doc);
            if (own.size() < 3) {
                continue;
            }
            int next = 2 + random.nextInt(own.size() - 2);
            if (!usable(own.get(next - 2)) || !usable(own.get(next - 1)) || !usable(own.get(next))) {
                continue;
            }
            List<String> choices = new ArrayList<>();
            choices.add(" " + own.get(next));
            while (choices.size() < CHOICES) {
                int other = random.nextInt(documents.size());
                List<String> pool = sentences.get(other);
                if (other == doc || pool.isEmpty()) {
                    continue;
                }
                String candidate = pool.get(random.nextInt(pool.size()));
                if (usable(candidate) && !choices.contains(" " + candidate)) {
                    choices.add(" " + candidate);
                }
            }
            // Fisher-Yates, remembering where the true sentence goes.
            int answer = 0;
            for (int i = CHOICES - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                String swap = choices.get(i);
                choices.set(i, choices.get(j));
                choices.set(j, swap);
                answer = answer == i ? j : answer == j ? i : answer;
            }
            items.add(new MultipleChoiceItem(own.get(next - 2) + " " + own.get(next - 1), choices, answer));
        }
        return new MultipleChoiceTask("sotu-next-sentence", items);
    }

    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : SENTENCE_END.split(text.replaceAll("\\s+", " ").trim())) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static boolean usable(String sentence) {
        return sentence.length() >= MIN_SENTENCE && sentence.length() <= MAX_SENTENCE;
    }
}
