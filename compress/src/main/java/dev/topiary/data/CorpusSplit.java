package dev.topiary.data;

import java.util.List;

/**
 * A corpus divided at document level into training, validation and test documents; no document is in two parts.
 */
public record CorpusSplit(List<Document> train, List<Document> validation, List<Document> test) {

    public CorpusSplit {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }

    /** The number of characters (UTF-16 code units, as {@link String#length()} counts) in {@code documents}. */
    public static long characters(List<Document> documents) {
        long total = 0;
        for (Document d : documents) {
            total += d.text().length();
        }
        return total;
    }

    /** The texts of {@code documents}, in order. */
    public static List<String> texts(List<Document> documents) {
        return documents.stream().map(Document::text).toList();
    }

    @Override
    public String toString() {
        return "CorpusSplit(train " + describe(train) + "; validation " + describe(validation) + "; test "
                + describe(test) + ")";
    }

    private static String describe(List<Document> documents) {
        return String.format("%d documents, %,d characters", documents.size(), characters(documents));
    }
}
