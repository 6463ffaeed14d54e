package dev.topiary.data;

import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tokenized corpus in Megatron-LM's indexed dataset format ({@code PREFIX.idx} and {@code PREFIX.bin}), as NeMo and
 * Megatron-LM write it, read through memory mappings of both files.
 *
 * <p>{@code .bin} holds the token ids of every sequence back to back. {@code .idx}, little-endian: the magic
 * {@code MMIDIDX\0\0}, u64 version 1, u8 dtype code, u64 sequence count N, u64 document-index length D, then N int32
 * sequence sizes (tokens), N int64 byte offsets of the sequences in {@code .bin}, and D int64 document-index entries:
 * 0, then the number of sequences so far at the end of each document, so document d is the sequences
 * {@code [entry d, entry d+1)}.
 *
 * <p>Opening validates the whole index against both files' lengths, so reads afterwards cannot fall outside them.
 * It also requires the sequences to be stored back to back in order, as every Megatron and NeMo writer stores them;
 * the {@code .bin} is then the dataset's token stream, which {@link #tokens(long, int)} reads across sequence and
 * document boundaries. Safe for concurrent reads.
 */
public final class IndexedDataset implements Closeable {

    static final byte[] MAGIC = "MMIDIDX\0\0".getBytes(StandardCharsets.US_ASCII);
    static final long VERSION = 1;
    /** Bytes before the sizes array: magic, version, dtype code, sequence count, document-index length. */
    static final int HEADER_BYTES = MAGIC.length + 8 + 1 + 8 + 8;

    private final Path prefix;
    private final String idxName;
    private final String binName;
    private final IndexedDatasetDType dtype;
    private final int sequenceCount;
    private final int documentIndexLength;
    private final long sizesAt;
    private final long pointersAt;
    private final long documentsAt;
    private final long totalTokens;
    private volatile MappedFile idx;
    private volatile MappedFile bin;

    private IndexedDataset(Path prefix, MappedFile idx, MappedFile bin) {
        this.prefix = prefix;
        this.idxName = prefix + ".idx";
        this.binName = prefix + ".bin";
        this.idx = idx;
        this.bin = bin;
        long idxSize = idx.size();
        if (idxSize >= MAGIC.length) {
            checkMagic(idx);
        }
        if (idxSize < HEADER_BYTES) {
            throw new TopiaryException(idxName + " is truncated: it holds " + idxSize + " bytes, fewer than the "
                    + HEADER_BYTES + "-byte header");
        }
        long version = idx.getLong(MAGIC.length);
        if (version != VERSION) {
            throw new TopiaryException(idxName + ": version " + Long.toUnsignedString(version)
                    + " is not supported, expected " + VERSION);
        }
        this.dtype = checkDType(idx.getByte(MAGIC.length + 8) & 0xFF);
        this.sequenceCount = checkCount(idx.getLong(MAGIC.length + 9), "sequence count");
        this.documentIndexLength = checkCount(idx.getLong(MAGIC.length + 17), "document-index length");
        this.sizesAt = HEADER_BYTES;
        this.pointersAt = sizesAt + 4L * sequenceCount;
        this.documentsAt = pointersAt + 8L * sequenceCount;
        checkIndexLength(idxSize, documentsAt + 8L * documentIndexLength);
        checkDocumentIndex();
        this.totalTokens = checkSequences();
    }

    /**
     * Opens the dataset {@code PREFIX.idx} / {@code PREFIX.bin}. A prefix ending in {@code .idx} or {@code .bin}
     * names the same dataset when no {@code PREFIX.idx} exists, so either file's own path works too.
     *
     * @throws TopiaryException naming the file and what is wrong: missing files, a wrong magic, version or dtype,
     *     an index that disagrees with either file's length
     */
    public static IndexedDataset open(Path prefix) {
        Path resolved = resolvePrefix(prefix);
        Path idxFile = Path.of(resolved + ".idx");
        Path binFile = Path.of(resolved + ".bin");
        if (!Files.isRegularFile(idxFile) || !Files.isRegularFile(binFile)) {
            throw new TopiaryException("indexed dataset not found: " + (Files.isRegularFile(idxFile) ? binFile : idxFile)
                    + " is missing (a dataset is the two files PREFIX.idx and PREFIX.bin)");
        }
        try {
            return new IndexedDataset(resolved, MappedFile.map(idxFile), MappedFile.map(binFile));
        } catch (IOException e) {
            throw new TopiaryException("cannot read indexed dataset " + resolved + ": " + IoErrors.describe(e), e);
        }
    }

    private static Path resolvePrefix(Path prefix) {
        String name = prefix.toString();
        if (!Files.exists(Path.of(name + ".idx")) && (name.endsWith(".idx") || name.endsWith(".bin"))) {
            return Path.of(name.substring(0, name.length() - 4));
        }
        return prefix;
    }

    /** The path both files' names extend with {@code .idx} and {@code .bin}. */
    public Path prefix() {
        return prefix;
    }

    /** The element type of {@code .bin}. */
    public IndexedDatasetDType dtype() {
        return dtype;
    }

    /** The dtype's code in the {@code .idx} header. */
    public int dtypeCode() {
        return dtype.code();
    }

    /** The number of sequences, N. */
    public int sequenceCount() {
        return sequenceCount;
    }

    /** The number of documents: the document index's length less its leading 0. */
    public int documentCount() {
        return documentIndexLength - 1;
    }

    /** Tokens in all sequences together: the length of the token stream. */
    public long totalTokens() {
        return totalTokens;
    }

    /** Tokens in sequence {@code i}. */
    public long sequenceLength(int i) {
        checkIndex(i, sequenceCount, "sequence");
        return mappedIdx().getInt(sizesAt + 4L * i);
    }

    /** Where sequence {@code i} starts in the token stream, in tokens. */
    public long sequenceStart(int i) {
        checkIndex(i, sequenceCount, "sequence");
        return mappedIdx().getLong(pointersAt + 8L * i) / dtype.bytes();
    }

    /** The token ids of sequence {@code i}. */
    public int[] sequence(int i) {
        return tokens(sequenceStart(i), Math.toIntExact(sequenceLength(i)));
    }

    /** The document index as stored: D entries, 0 first, then the sequence count at the end of each document. */
    public int[] documentIndex() {
        MappedFile file = mappedIdx();
        int[] out = new int[documentIndexLength];
        for (int d = 0; d < documentIndexLength; d++) {
            out[d] = (int) file.getLong(documentsAt + 8L * d);
        }
        return out;
    }

    /** The first sequence of document {@code d}. */
    public int documentStart(int d) {
        checkIndex(d, documentCount(), "document");
        return (int) mappedIdx().getLong(documentsAt + 8L * d);
    }

    /** One past the last sequence of document {@code d}. */
    public int documentEnd(int d) {
        checkIndex(d, documentCount(), "document");
        return (int) mappedIdx().getLong(documentsAt + 8L * (d + 1));
    }

    /**
     * {@code count} tokens of the token stream (all sequences back to back) from token {@code start}, across
     * sequence and document boundaries.
     *
     * @throws IndexOutOfBoundsException when the range is not inside the stream
     */
    public int[] tokens(long start, int count) {
        if (start < 0 || count < 0 || start > totalTokens - count) {
            throw new IndexOutOfBoundsException("tokens [" + start + ", " + (start + count) + ") of " + prefix
                    + ", which holds " + totalTokens);
        }
        MappedFile file = mappedBin();
        int[] out = new int[count];
        long at = start * dtype.bytes();
        switch (dtype) {
            case UINT8:
                for (int k = 0; k < count; k++) {
                    out[k] = file.getByte(at + k) & 0xFF;
                }
                break;
            case INT8:
                for (int k = 0; k < count; k++) {
                    out[k] = file.getByte(at + k);
                }
                break;
            case UINT16:
                for (int k = 0; k < count; k++) {
                    out[k] = file.getShort(at + 2L * k) & 0xFFFF;
                }
                break;
            case INT16:
                for (int k = 0; k < count; k++) {
                    out[k] = file.getShort(at + 2L * k);
                }
                break;
            case INT32:
                for (int k = 0; k < count; k++) {
                    out[k] = file.getInt(at + 4L * k);
                }
                break;
            case INT64:
                for (int k = 0; k < count; k++) {
                    long id = file.getLong(at + 8L * k);
                    if (id != (int) id) {
                        throw new TopiaryException(binName + ": token " + (start + k) + " is " + id
                                + ", beyond the int range token ids are held in");
                    }
                    out[k] = (int) id;
                }
                break;
            default:
                throw new IllegalStateException("floating dtype passed validation: " + dtype);
        }
        return out;
    }

    /** Releases the dataset; reads afterwards fail. */
    @Override
    public void close() {
        idx = null;
        bin = null;
    }

    @Override
    public String toString() {
        return "IndexedDataset(" + prefix + ": " + documentCount() + " documents, " + sequenceCount + " sequences, "
                + totalTokens + " " + dtype + " tokens)";
    }

    private MappedFile mappedIdx() {
        MappedFile file = idx;
        if (file == null) {
            throw new IllegalStateException("indexed dataset " + prefix + " is closed");
        }
        return file;
    }

    private MappedFile mappedBin() {
        MappedFile file = bin;
        if (file == null) {
            throw new IllegalStateException("indexed dataset " + prefix + " is closed");
        }
        return file;
    }

    private static void checkIndex(int i, int count, String what) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(what + " " + i + " of " + count);
        }
    }

    private void checkMagic(MappedFile file) {
        byte[] found = new byte[MAGIC.length];
        for (int k = 0; k < found.length; k++) {
            found[k] = file.getByte(k);
        }
        if (!Arrays.equals(found, MAGIC)) {
            throw new TopiaryException(idxName + ": wrong magic, expected MMIDIDX\\0\\0 (a Megatron indexed dataset"
                    + " index), found " + printable(found));
        }
    }

    private static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }

    private IndexedDatasetDType checkDType(int code) {
        IndexedDatasetDType t = IndexedDatasetDType.forCode(code);
        String expected = "expected an integer dtype code (1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 8 uint16)";
        if (t == null) {
            throw new TopiaryException(idxName + ": unknown dtype code " + code + ", " + expected);
        }
        if (!t.isInteger()) {
            throw new TopiaryException(idxName + ": dtype code " + code + " (" + t + ") cannot hold token ids, "
                    + expected);
        }
        return t;
    }

    private int checkCount(long value, String field) {
        // Compared unsigned: a u64 above Long.MAX_VALUE reads as negative here.
        if (Long.compareUnsigned(value, Integer.MAX_VALUE) > 0) {
            throw new TopiaryException(idxName + ": " + field + " " + Long.toUnsignedString(value)
                    + " is over the " + Integer.MAX_VALUE + " Topiary reads");
        }
        return (int) value;
    }

    private void checkIndexLength(long actual, long expected) {
        String layout = sequenceCount + " sequences and " + documentIndexLength + " document-index entries need "
                + expected + " bytes";
        if (actual < expected) {
            throw new TopiaryException(idxName + " is truncated: it holds " + actual + " bytes; " + layout);
        }
        if (actual == expected + sequenceCount && sequenceCount > 0) {
            throw new TopiaryException(idxName + " holds " + sequenceCount + " bytes of sequence modes after the "
                    + "document index (a multimodal dataset), which Topiary does not read; " + layout);
        }
        if (actual != expected) {
            throw new TopiaryException(idxName + " holds " + actual + " bytes, more than expected: " + layout);
        }
    }

    private void checkDocumentIndex() {
        if (documentIndexLength < 1) {
            throw new TopiaryException(idxName + ": the document index is empty, expected at least its leading 0");
        }
        long previous = -1;
        for (int d = 0; d < documentIndexLength; d++) {
            long entry = idx.getLong(documentsAt + 8L * d);
            if (d == 0 && entry != 0) {
                throw new TopiaryException(idxName + ": document index starts with " + entry + ", expected 0");
            }
            if (entry < previous || entry > sequenceCount) {
                throw new TopiaryException(idxName + ": document-index entry " + d + " is " + entry
                        + ", expected a sequence count from " + previous + " to " + sequenceCount);
            }
            previous = entry;
        }
        if (previous != sequenceCount) {
            throw new TopiaryException(idxName + ": document index ends at sequence " + previous + ", expected "
                    + sequenceCount + " (every sequence belongs to a document)");
        }
    }

    /**
     * Checks the sizes against {@code .bin}'s length, then every pointer against the sizes; returns the total number
     * of tokens.
     */
    private long checkSequences() {
        long binSize = bin.size();
        int width = dtype.bytes();
        long tokens = 0;
        for (int i = 0; i < sequenceCount; i++) {
            int size = idx.getInt(sizesAt + 4L * i);
            if (size < 0) {
                throw new TopiaryException(idxName + ": sequence " + i + " has size " + size
                        + ", expected a token count >= 0");
            }
            tokens += size;
        }
        // Compared by division: tokens * width can overflow for a corrupt index.
        if (binSize % width != 0 || binSize / width != tokens) {
            throw new TopiaryException(binName + " holds " + binSize + " bytes, expected " + tokens + " " + dtype
                    + " tokens of " + width + " bytes in " + sequenceCount + " sequences, as " + idxName + " says");
        }
        long expected = 0;
        for (int i = 0; i < sequenceCount; i++) {
            long bytes = (long) idx.getInt(sizesAt + 4L * i) * width;
            long pointer = idx.getLong(pointersAt + 8L * i);
            if (pointer < 0 || pointer > binSize - bytes) {
                throw new TopiaryException(idxName + ": sequence " + i + " (" + bytes / width
                        + " tokens at byte offset " + Long.toUnsignedString(pointer) + ") ends beyond " + binName
                        + ", which holds " + binSize + " bytes");
            }
            if (pointer != expected) {
                throw new TopiaryException(idxName + ": sequence " + i + " starts at byte offset " + pointer
                        + ", expected " + expected + " (sequences stored back to back in order)");
            }
            expected += bytes;
        }
        return tokens;
    }
}
