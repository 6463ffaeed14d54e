package dev.topiary.data;

import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Writes a Megatron-LM indexed dataset ({@code PREFIX.idx} and {@code PREFIX.bin}, the layout {@link IndexedDataset}
 * describes) byte for byte as Megatron-LM's and NeMo's builders write it, so either reads what Topiary wrote.
 *
 * <p>Token ids stream to {@code PREFIX.bin.tmp} as they are added; only the per-sequence sizes and the document index
 * stay in memory. {@link #finish()} writes {@code PREFIX.idx.tmp} and renames both files to their names; until then
 * nothing appears under the final names, and {@link #close()} without {@code finish()} (an exception thrown out of a
 * try-with-resources block, say) deletes the temporary files, so a failed preparation never leaves half a dataset.
 * Publishing is a separate step from closing for that reason. Not thread-safe.
 *
 * <pre>{@code
 * try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, vocabSize)) {
 *     for (int[] doc : documents) w.addDocument(doc);
 *     w.finish();
 * }
 * }</pre>
 */
public final class IndexedDatasetWriter implements Closeable {

    private static final int BUFFER_BYTES = 1 << 20;

    private final Path prefix;
    private final Path binFile;
    private final Path idxFile;
    private final Path binTmp;
    private final Path idxTmp;
    private final int vocabSize;
    private final IndexedDatasetDType dtype;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private FileChannel bin;
    private int[] sizes = new int[1024];
    private int sequenceCount;
    // Entries are sequence counts, so ints hold them; they are widened to int64 on disk.
    private int[] documentIndex = new int[1024];
    private int documentIndexLength;
    private long tokenCount;
    private boolean finished;
    private boolean closed;

    private IndexedDatasetWriter(Path prefix, int vocabSize, IndexedDatasetDType dtype) throws IOException {
        this.prefix = prefix;
        this.binFile = Path.of(prefix + ".bin");
        this.idxFile = Path.of(prefix + ".idx");
        this.binTmp = Path.of(prefix + ".bin.tmp");
        this.idxTmp = Path.of(prefix + ".idx.tmp");
        this.vocabSize = vocabSize;
        this.dtype = dtype;
        documentIndex[documentIndexLength++] = 0;
        Path parent = binFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.bin = FileChannel.open(binTmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * Starts a dataset at {@code prefix} for token ids in {@code [0, vocabSize)}, stored as Megatron-LM stores that
     * vocabulary: uint16 below {@link IndexedDatasetDType#UINT16_VOCABULARY_LIMIT} tokens, int32 from there.
     *
     * @throws TopiaryException when the temporary file cannot be created
     * @throws IllegalArgumentException when {@code vocabSize < 1}
     */
    public static IndexedDatasetWriter open(Path prefix, int vocabSize) {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, not " + vocabSize);
        }
        try {
            return new IndexedDatasetWriter(prefix, vocabSize, IndexedDatasetDType.forVocabulary(vocabSize));
        } catch (IOException e) {
            throw new TopiaryException("cannot create indexed dataset " + prefix + ": " + IoErrors.describe(e), e);
        }
    }

    /** The element type the tokens are stored as. */
    public IndexedDatasetDType dtype() {
        return dtype;
    }

    /** Adds {@code ids} as one sequence and ends the document with it: one sequence per document, as NeMo writes. */
    public IndexedDatasetWriter addDocument(int[] ids) {
        addSequence(ids);
        return endDocument();
    }

    /**
     * Adds one sequence to the current document.
     *
     * @throws TopiaryException when an id is outside {@code [0, vocabSize)}; nothing of the sequence is written
     */
    public IndexedDatasetWriter addSequence(int[] ids) {
        checkWritable();
        for (int k = 0; k < ids.length; k++) {
            if (ids[k] < 0 || ids[k] >= vocabSize) {
                throw new TopiaryException("token id " + ids[k] + " (position " + k + " of sequence " + sequenceCount
                        + " for " + binFile + ") is outside the vocabulary of " + vocabSize + " ids");
            }
        }
        try {
            for (int id : ids) {
                if (buffer.remaining() < dtype.bytes()) {
                    drain();
                }
                if (dtype == IndexedDatasetDType.UINT16) {
                    buffer.putShort((short) id);
                } else {
                    buffer.putInt(id);
                }
            }
        } catch (IOException e) {
            throw fail(e);
        }
        if (sequenceCount == sizes.length) {
            sizes = Arrays.copyOf(sizes, grow(sizes.length));
        }
        sizes[sequenceCount++] = ids.length;
        tokenCount += ids.length;
        return this;
    }

    /** Ends the current document: the sequences added since the previous end (possibly none) form it. */
    public IndexedDatasetWriter endDocument() {
        checkWritable();
        if (documentIndexLength == documentIndex.length) {
            documentIndex = Arrays.copyOf(documentIndex, grow(documentIndex.length));
        }
        documentIndex[documentIndexLength++] = sequenceCount;
        return this;
    }

    /** Sequences added so far. */
    public int sequenceCount() {
        return sequenceCount;
    }

    /** Documents ended so far. */
    public int documentCount() {
        return documentIndexLength - 1;
    }

    /** Tokens added so far. */
    public long tokenCount() {
        return tokenCount;
    }

    /**
     * Ends a document left open (sequences added after the last {@link #endDocument()}), writes the index and
     * moves both files to {@code PREFIX.bin} and {@code PREFIX.idx}, replacing any dataset there.
     *
     * @throws TopiaryException when the files cannot be written; the temporary files are deleted then
     */
    public void finish() {
        checkWritable();
        if (documentIndex[documentIndexLength - 1] != sequenceCount) {
            endDocument();
        }
        try {
            drain();
            // Durable before the rename makes it visible: a crash must not leave a complete-looking short file.
            bin.force(true);
            bin.close();
            writeIndex();
            moveIntoPlace(binTmp, binFile);
            moveIntoPlace(idxTmp, idxFile);
            finished = true;
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** Releases the writer; before {@link #finish()}, deletes the temporary files and publishes nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!finished) {
            discard();
        }
    }

    private void writeIndex() throws IOException {
        try (FileChannel idx = FileChannel.open(idxTmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            buffer.clear();
            buffer.put(IndexedDataset.MAGIC).putLong(IndexedDataset.VERSION).put((byte) dtype.code())
                    .putLong(sequenceCount).putLong(documentIndexLength);
            for (int i = 0; i < sequenceCount; i++) {
                ensureRoom(idx, 4);
                buffer.putInt(sizes[i]);
            }
            long pointer = 0;
            for (int i = 0; i < sequenceCount; i++) {
                ensureRoom(idx, 8);
                buffer.putLong(pointer);
                pointer += (long) sizes[i] * dtype.bytes();
            }
            for (int d = 0; d < documentIndexLength; d++) {
                ensureRoom(idx, 8);
                buffer.putLong(documentIndex[d]);
            }
            buffer.flip();
            writeFully(idx, buffer);
            buffer.clear();
            idx.force(true);
        }
    }

    private void ensureRoom(FileChannel channel, int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            buffer.flip();
            writeFully(channel, buffer);
            buffer.clear();
        }
    }

    private void drain() throws IOException {
        buffer.flip();
        writeFully(bin, buffer);
        buffer.clear();
    }

    private static void writeFully(FileChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static int grow(int length) {
        if (length >= Integer.MAX_VALUE - 8) {
            throw new TopiaryException("an indexed dataset holds at most " + Integer.MAX_VALUE + " sequences");
        }
        return (int) Math.min((long) length * 2, Integer.MAX_VALUE - 8);
    }

    private void checkWritable() {
        if (closed || finished) {
            throw new IllegalStateException("indexed dataset writer for " + prefix + " is "
                    + (finished ? "finished" : "closed"));
        }
    }

    /** Gives up: deletes the temporary files, closes the writer, and returns the error to throw. */
    private TopiaryException fail(IOException e) {
        closed = true;
        discard();
        return new TopiaryException("cannot write indexed dataset " + prefix + ": " + IoErrors.describe(e), e);
    }

    private void discard() {
        try {
            bin.close();
        } catch (IOException ignored) {
            // The temporary file is deleted next either way.
        }
        for (Path tmp : new Path[] {binTmp, idxTmp}) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // The original failure is the one to report.
            }
        }
    }

    private static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
