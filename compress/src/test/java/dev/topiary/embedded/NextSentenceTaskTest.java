package dev.topiary.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.data.Document;
import dev.topiary.data.SotuCorpus;
import dev.topiary.eval.MultipleChoiceItem;
import dev.topiary.eval.MultipleChoiceTask;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class NextSentenceTaskTest {

    @Test
    void itemsContinueTheirContextAndAreRepeatable() {
        List<Document> test = SotuCorpus.split().test();
        MultipleChoiceTask task = NextSentenceTask.build(test, 50, 3);
        assertEquals(task, NextSentenceTask.build(test, 50, 3));
        assertEquals(50, task.items().size());
        int[] answers = new int[4];
        for (MultipleChoiceItem item : task.items()) {
            assertEquals(4, new HashSet<>(item.choices()).size());
            String right = item.choices().get(item.answer());
            // The context and the right choice are consecutive sentences of one speech.
            String joined = item.context() + right;
            assertTrue(test.stream().anyMatch(d -> d.text().replaceAll("\\s+", " ").contains(joined)), joined);
            for (int c = 0; c < 4; c++) {
                String wrong = item.choices().get(c);
                if (c != item.answer()) {
                    assertTrue(test.stream().noneMatch(d -> d.text().replaceAll("\\s+", " ")
                            .contains(item.context() + wrong)), wrong);
                }
            }
            answers[item.answer()]++;
        }
        // The right answer is spread over the positions, not always first.
        for (int a : answers) {
            assertTrue(a >= 5, java.util.Arrays.toString(answers));
        }
        assertTrue(!task.equals(NextSentenceTask.build(test, 50, 4)));
    }

    @Test
    void sentencesSplitAtEndPunctuationBeforeACapital() {
        assertEquals(List.of("We met.", "Then we parted!", "Did we?", "Yes."),
                NextSentenceTask.sentences("We met. Then we parted! Did we? Yes."));
        assertEquals(List.of("Mr. Smith came to the U.S. Senate.", "He left at 5 p.m. today.", "\"Good,\" he said."),
                NextSentenceTask.sentences("Mr. Smith came to the U.S. Senate. He left at 5 p.m. today.  \"Good,\" he"
                        + " said."));
    }
}
