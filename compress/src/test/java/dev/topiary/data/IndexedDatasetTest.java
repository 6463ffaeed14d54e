package dev.topiary.data;

import static dev.topiary.data.IndexedDatasetBytes.idx;
import static dev.topiary.data.IndexedDatasetBytes.uint16;
import static dev.topiary.data.IndexedDatasetBytes.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads indexed datasets assembled byte by byte from the documented layout, and checks every malformed-file error. */
class IndexedDatasetTest {

    @TempDir
    Path dir;

    // Three documents: [1 2 3] | [65535 0] [] [7] | [40000]; the empty sequence and 65535 are edge cases.
    private static final int[] SIZES = {3, 2, 0, 1, 1};
    private static final long[] DOCUMENTS = {0, 1, 4, 5};
    private static final int[] STREAM = {1, 2, 3, 65535, 0, 7, 40000};

    private Path handMade() throws IOException {
        return write(dir.resolve("hand"), idx(8, 2, SIZES, DOCUMENTS), uint16(STREAM));
    }

    @Test
    void readsEverythingTheLayoutHolds() throws IOException {
        try (IndexedDataset d = IndexedDataset.open(handMade())) {
            assertEquals(8, d.dtypeCode());
            assertEquals(IndexedDatasetDType.UINT16, d.dtype());
            assertEquals(5, d.sequenceCount());
            assertEquals(3, d.documentCount());
            assertEquals(7, d.totalTokens());
            assertArrayEquals(new int[] {1, 2, 3}, d.sequence(0));
            assertArrayEquals(new int[] {65535, 0}, d.sequence(1));
            assertArrayEquals(new int[0], d.sequence(2));
            assertArrayEquals(new int[] {7}, d.sequence(3));
            assertArrayEquals(new int[] {40000}, d.sequence(4));
            assertEquals(2, d.sequenceLength(1));
            assertEquals(5, d.sequenceStart(3));
            assertArrayEquals(new int[] {0, 1, 4, 5}, d.documentIndex());
            assertEquals(1, d.documentStart(1));
            assertEquals(4, d.documentEnd(1));
            assertArrayEquals(STREAM, d.tokens(0, 7));
            assertArrayEquals(new int[] {3, 65535, 0, 7}, d.tokens(2, 4));
            assertArrayEquals(new int[0], d.tokens(7, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> d.tokens(5, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> d.sequence(5));
            assertThrows(IndexOutOfBoundsException.class, () -> d.documentStart(3));
        }
    }

    @Test
    void eitherFilesPathNamesTheDataset() throws IOException {
        Path prefix = handMade();
        try (IndexedDataset d = IndexedDataset.open(Path.of(prefix + ".idx"))) {
            assertEquals(prefix, d.prefix());
            assertEquals(7, d.totalTokens());
        }
    }

    @Test
    void readsEveryIntegerDtype() throws IOException {
        int[] ids = {0, 1, 100, 127};
        assertTokens(1, 1, b -> b.put((byte) 0).put((byte) 1).put((byte) 100).put((byte) 255), ids, 255);
        assertTokens(2, 1, b -> b.put((byte) 0).put((byte) 1).put((byte) 100).put((byte) -1), ids, -1);
        assertTokens(3, 2, b -> b.putShort((short) 0).putShort((short) 1).putShort((short) 100)
                .putShort((short) -2), ids, -2);
        assertTokens(4, 4, b -> b.putInt(0).putInt(1).putInt(100).putInt(1 << 30), ids, 1 << 30);
        assertTokens(5, 8, b -> b.putLong(0).putLong(1).putLong(100).putLong(128255), ids, 128255);
    }

    private void assertTokens(int code, int width, java.util.function.Consumer<ByteBuffer> fill, int[] ids, int last)
            throws IOException {
        ByteBuffer bin = ByteBuffer.allocate(4 * width).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(bin);
        Path prefix = write(dir.resolve("code" + code), idx(code, width, new int[] {1, 3}, new long[] {0, 2}),
                bin.array());
        int[] expected = ids.clone();
        expected[3] = last;
        try (IndexedDataset d = IndexedDataset.open(prefix)) {
            assertEquals(code, d.dtypeCode());
            assertArrayEquals(expected, d.tokens(0, 4));
            assertArrayEquals(Arrays.copyOfRange(expected, 1, 4), d.sequence(1));
        }
    }

    @Test
    void int64TokensBeyondIntAreAnError() throws IOException {
        ByteBuffer bin = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Path prefix = write(dir.resolve("wide"), idx(5, 8, new int[] {1}, new long[] {0, 1}), bin.array());
        try (IndexedDataset d = IndexedDataset.open(prefix)) {
            assertError(() -> d.sequence(0), prefix + ".bin: token 0 is 1099511627776");
        }
    }

    @Test
    void emptyDatasetOpens() throws IOException {
        Path prefix = write(dir.resolve("empty"), idx(8, 2, new int[0], new long[] {0}), new byte[0]);
        try (IndexedDataset d = IndexedDataset.open(prefix)) {
            assertEquals(0, d.sequenceCount());
            assertEquals(0, d.documentCount());
            assertEquals(0, d.totalTokens());
        }
    }

    @Test
    void closedDatasetRefusesReads() throws IOException {
        IndexedDataset d = IndexedDataset.open(handMade());
        d.close();
        assertThrows(IllegalStateException.class, () -> d.sequence(0));
    }

    @Test
    void wrongMagicNamesTheIndexFile() throws IOException {
        Path p = write(dir.resolve("magic"), IndexedDatasetBytes.idx("TNTIDX\0\0\0", 1, 8, SIZES,
                pointers(SIZES, 2), DOCUMENTS), uint16(STREAM));
        assertError(p, p + ".idx: wrong magic, expected MMIDIDX\\0\\0");
    }

    @Test
    void versionTwoIsRefused() throws IOException {
        Path p = write(dir.resolve("v2"), IndexedDatasetBytes.idx("MMIDIDX\0\0", 2, 8, SIZES, pointers(SIZES, 2),
                DOCUMENTS), uint16(STREAM));
        assertError(p, p + ".idx: version 2 is not supported, expected 1");
    }

    @Test
    void floatDtypesAndUnknownCodesAreRefused() throws IOException {
        Path p = write(dir.resolve("f32"), idx(7, 4, SIZES, DOCUMENTS), new byte[28]);
        assertError(p, p + ".idx: dtype code 7 (float32) cannot hold token ids");
        Path q = write(dir.resolve("f64"), idx(6, 8, SIZES, DOCUMENTS), new byte[56]);
        assertError(q, q + ".idx: dtype code 6 (float64) cannot hold token ids");
        Path r = write(dir.resolve("nine"), idx(9, 2, SIZES, DOCUMENTS), uint16(STREAM));
        assertError(r, r + ".idx: unknown dtype code 9");
    }

    @Test
    void truncatedIndexIsRefused() throws IOException {
        byte[] full = idx(8, 2, SIZES, DOCUMENTS);
        Path p = write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 3), uint16(STREAM));
        assertError(p, p + ".idx is truncated: it holds " + (full.length - 3) + " bytes; 5 sequences and 4"
                + " document-index entries need " + full.length + " bytes");
        Path q = write(dir.resolve("header"), Arrays.copyOf(full, 20), uint16(STREAM));
        assertError(q, q + ".idx is truncated: it holds 20 bytes, fewer than the 34-byte header");
        Path r = write(dir.resolve("long"), Arrays.copyOf(full, full.length + 1), uint16(STREAM));
        assertError(r, r + ".idx holds " + (full.length + 1) + " bytes, more than expected");
        Path s = write(dir.resolve("modes"), Arrays.copyOf(full, full.length + 5), uint16(STREAM));
        assertError(s, s + ".idx holds 5 bytes of sequence modes");
    }

    @Test
    void binOfTheWrongLengthIsRefused() throws IOException {
        byte[] bin = uint16(STREAM);
        Path p = write(dir.resolve("short"), idx(8, 2, SIZES, DOCUMENTS), Arrays.copyOf(bin, bin.length - 2));
        assertError(p, p + ".bin holds 12 bytes, expected 7 uint16 tokens of 2 bytes in 5 sequences, as " + p
                + ".idx says");
        Path q = write(dir.resolve("odd"), idx(8, 2, SIZES, DOCUMENTS), Arrays.copyOf(bin, bin.length + 1));
        assertError(q, q + ".bin holds 15 bytes, expected 7 uint16 tokens");
    }

    @Test
    void pointersMustStayInsideTheBinAndFollowTheSizes() throws IOException {
        long[] beyond = pointers(SIZES, 2);
        beyond[4] = 100;
        Path p = write(dir.resolve("beyond"), IndexedDatasetBytes.idx("MMIDIDX\0\0", 1, 8, SIZES, beyond, DOCUMENTS),
                uint16(STREAM));
        assertError(p, p + ".idx: sequence 4 (1 tokens at byte offset 100) ends beyond " + p + ".bin, which holds 14");
        long[] shuffled = pointers(SIZES, 2);
        shuffled[0] = 6;
        shuffled[1] = 0;
        Path q = write(dir.resolve("order"), IndexedDatasetBytes.idx("MMIDIDX\0\0", 1, 8, SIZES, shuffled, DOCUMENTS),
                uint16(STREAM));
        assertError(q, q + ".idx: sequence 0 starts at byte offset 6, expected 0");
    }

    @Test
    void documentIndexMustCoverTheSequences() throws IOException {
        Path p = write(dir.resolve("docs"), idx(8, 2, SIZES, new long[] {0, 1, 4}), uint16(STREAM));
        assertError(p, p + ".idx: document index ends at sequence 4, expected 5");
        Path q = write(dir.resolve("start"), idx(8, 2, SIZES, new long[] {1, 4, 5}), uint16(STREAM));
        assertError(q, q + ".idx: document index starts with 1, expected 0");
        Path r = write(dir.resolve("down"), idx(8, 2, SIZES, new long[] {0, 4, 1, 5}), uint16(STREAM));
        assertError(r, r + ".idx: document-index entry 2 is 1");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path prefix = dir.resolve("absent");
        assertError(prefix, "indexed dataset not found: " + prefix + ".idx is missing");
        Files.write(Path.of(prefix + ".idx"), idx(8, 2, SIZES, DOCUMENTS));
        assertError(prefix, "indexed dataset not found: " + prefix + ".bin is missing");
    }

    private static long[] pointers(int[] sizes, int width) {
        long[] out = new long[sizes.length];
        for (int i = 1; i < sizes.length; i++) {
            out[i] = out[i - 1] + (long) sizes[i - 1] * width;
        }
        return out;
    }

    private static void assertError(Path prefix, String expected) {
        assertError(() -> IndexedDataset.open(prefix).close(), expected);
    }

    private static void assertError(org.junit.jupiter.api.function.Executable action, String expected) {
        TopiaryException e = assertThrows(TopiaryException.class, action);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
