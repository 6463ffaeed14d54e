package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's files: read back by the reader, and byte-identical to the layout built by hand. */
class IndexedDatasetWriterTest {

    @TempDir
    Path dir;

    @Test
    void dtypeFollowsMegatronsVocabularyRule() {
        assertEquals(IndexedDatasetDType.UINT16, IndexedDatasetDType.forVocabulary(65499));
        assertEquals(IndexedDatasetDType.INT32, IndexedDatasetDType.forVocabulary(65500));
        assertEquals(IndexedDatasetDType.INT32, IndexedDatasetDType.forVocabulary(128256));
    }

    @Test
    void roundTripsUint16AndInt32WithMultiSequenceDocuments() throws IOException {
        roundTrip(1000, IndexedDatasetDType.UINT16);
        roundTrip(65499, IndexedDatasetDType.UINT16);
        roundTrip(70000, IndexedDatasetDType.INT32);
    }

    private void roundTrip(int vocab, IndexedDatasetDType expectedDType) throws IOException {
        SplittableRandom random = new SplittableRandom(vocab);
        List<List<int[]>> documents = new ArrayList<>();
        for (int d = 0; d < 40; d++) {
            List<int[]> sequences = new ArrayList<>();
            // Mostly one sequence per document, as NeMo writes; some with several, one with an empty sequence.
            int count = d % 5 == 0 ? 1 + random.nextInt(4) : 1;
            for (int s = 0; s < count; s++) {
                int[] ids = random.ints(d == 7 && s == 0 ? 0 : 1 + random.nextInt(300), 0, vocab).toArray();
                if (d == 3) {
                    ids[0] = vocab - 1;
                }
                sequences.add(ids);
            }
            documents.add(sequences);
        }
        Path prefix = dir.resolve("rt" + vocab);
        long tokens = 0;
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, vocab)) {
            assertEquals(expectedDType, w.dtype());
            for (List<int[]> doc : documents) {
                if (doc.size() == 1) {
                    w.addDocument(doc.get(0));
                } else {
                    doc.forEach(w::addSequence);
                    w.endDocument();
                }
                for (int[] s : doc) {
                    tokens += s.length;
                }
            }
            w.finish();
            assertEquals(tokens, w.tokenCount());
            assertEquals(40, w.documentCount());
        }
        try (IndexedDataset d = IndexedDataset.open(prefix)) {
            assertEquals(expectedDType.code(), d.dtypeCode());
            assertEquals(40, d.documentCount());
            assertEquals(tokens, d.totalTokens());
            assertEquals(expectedDType.bytes() * tokens, Files.size(Path.of(prefix + ".bin")));
            int sequence = 0;
            long at = 0;
            for (int doc = 0; doc < documents.size(); doc++) {
                assertEquals(sequence, d.documentStart(doc));
                for (int[] ids : documents.get(doc)) {
                    assertArrayEquals(ids, d.sequence(sequence));
                    assertArrayEquals(ids, d.tokens(at, ids.length));
                    at += ids.length;
                    sequence++;
                }
                assertEquals(sequence, d.documentEnd(doc));
            }
            assertEquals(sequence, d.sequenceCount());
        }
        assertNoTemporaryFiles();
    }

    @Test
    void bytesEqualTheLayoutBuiltByHand() throws IOException {
        Path prefix = dir.resolve("small");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 50_000)) {
            w.addDocument(new int[] {5, 6, 49_999});
            w.addSequence(new int[] {1}).addSequence(new int[] {2, 3}).endDocument();
            w.addDocument(new int[] {0});
            w.finish();
        }
        assertArrayEquals(IndexedDatasetBytes.idx(8, 2, new int[] {3, 1, 2, 1}, new long[] {0, 1, 3, 4}),
                Files.readAllBytes(Path.of(prefix + ".idx")));
        assertArrayEquals(IndexedDatasetBytes.uint16(5, 6, 49_999, 1, 2, 3, 0),
                Files.readAllBytes(Path.of(prefix + ".bin")));

        Path wide = dir.resolve("wide");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(wide, 128_256)) {
            w.addDocument(new int[] {128_000, 9});
            w.addDocument(new int[] {128_255});
            w.finish();
        }
        assertArrayEquals(IndexedDatasetBytes.idx(4, 4, new int[] {2, 1}, new long[] {0, 1, 2}),
                Files.readAllBytes(Path.of(wide + ".idx")));
        assertArrayEquals(IndexedDatasetBytes.int32(128_000, 9, 128_255), Files.readAllBytes(Path.of(wide + ".bin")));
    }

    @Test
    void finishEndsADocumentLeftOpen() throws IOException {
        Path prefix = dir.resolve("open");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 10)) {
            w.addDocument(new int[] {1});
            w.addSequence(new int[] {2});
            w.addSequence(new int[] {3});
            w.finish();
        }
        try (IndexedDataset d = IndexedDataset.open(prefix)) {
            assertArrayEquals(new int[] {0, 1, 3}, d.documentIndex());
        }
    }

    @Test
    void largeDatasetsStreamThroughTheBuffer() throws IOException {
        Path prefix = dir.resolve("large");
        int[] ids = new SplittableRandom(1).ints(700_001, 0, 70_000).toArray();
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 70_000)) {
            w.addDocument(ids);
            for (int i = 0; i < 100_000; i++) {
                w.addDocument(new int[] {i % 70_000});
            }
            w.finish();
        }
        try (IndexedDataset d = IndexedDataset.open(prefix)) {
            assertEquals(100_001, d.documentCount());
            assertArrayEquals(ids, d.sequence(0));
            assertArrayEquals(new int[] {99_999 % 70_000}, d.sequence(100_000));
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        Path prefix = dir.resolve("bad");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 65_000)) {
            w.addDocument(new int[] {1, 2});
            TopiaryException e = assertThrows(TopiaryException.class, () -> w.addDocument(new int[] {3, 65_000}));
            assertEquals("token id 65000 (position 1 of sequence 1 for " + prefix + ".bin) is outside the vocabulary"
                    + " of 65000 ids", e.getMessage());
            assertThrows(TopiaryException.class, () -> w.addSequence(new int[] {-1}));
            // Nothing of a refused sequence was written: the writer goes on.
            w.addDocument(new int[] {4});
            assertEquals(2, w.sequenceCount());
            assertEquals(3, w.tokenCount());
        }
    }

    @Test
    void closingWithoutFinishLeavesNoFiles() throws IOException {
        Path prefix = dir.resolve("abandoned");
        Files.write(Path.of(prefix + ".idx"), new byte[] {1});
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 10)) {
            w.addDocument(new int[] {1, 2, 3});
        }
        assertFalse(Files.exists(Path.of(prefix + ".bin")));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(Path.of(prefix + ".idx")), "an older file stays as it was");
        assertNoTemporaryFiles();
    }

    @Test
    void writerIsUnusableOnceFinished() {
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(dir.resolve("done"), 10)) {
            w.finish();
            assertThrows(IllegalStateException.class, () -> w.addDocument(new int[] {1}));
        }
    }

    private void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "temporary files left");
        }
    }
}
