package dev.topiary.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.topiary.TopiaryException;
import dev.topiary.engine.DirectBuffers;
import dev.topiary.engine.NativeArrays;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one safetensors file: the header at once (validated), each tensor lazily on request.
 *
 * <p>A tensor is read through a memory mapping of its own byte region only, converted into a temporary direct
 * buffer, copied into libtorch-owned memory, and both the mapping and the temporary buffer are released at once.
 * Loading a checkpoint therefore peaks at the weights already loaded plus one tensor, never the whole file.
 * Tensors whose converted size exceeds a chunk limit (64 MiB) are filled chunk by chunk into a preallocated
 * NDArray, which also covers regions beyond the 2 GiB a single Java buffer can address.
 *
 * <p>Safe for concurrent reads from several threads. Every problem with the file is a {@link TopiaryException}
 * naming the file and, where there is one, the tensor.
 */
public final class SafetensorsReader implements Closeable {

    /** Most bytes of converted data (or of mapped source) handled at once; larger tensors go in chunks. */
    static final long DEFAULT_CHUNK_BYTES = 64L << 20;

    // The reference implementation refuses headers over 100 MB too; a larger value means a corrupt file.
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private final long dataStart;
    private final long chunkBytes;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private SafetensorsReader(Path file, FileChannel channel, long chunkBytes) throws IOException {
        this.file = file;
        this.channel = channel;
        this.chunkBytes = chunkBytes;
        this.fileSize = channel.size();
        if (fileSize < 8) {
            throw new TopiaryException(file + " is not a safetensors file: it holds " + fileSize
                    + " bytes, fewer than the 8-byte header length");
        }
        long headerLength = readLong(0);
        // Compared unsigned: a u64 above Long.MAX_VALUE reads as negative here.
        if (Long.compareUnsigned(headerLength, fileSize - 8) > 0) {
            throw new TopiaryException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds file size " + fileSize);
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new TopiaryException(file + ": header length " + headerLength + " is over the "
                    + MAX_HEADER_BYTES + "-byte limit of the safetensors format");
        }
        this.dataStart = 8 + headerLength;
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(header, 8);
        HeaderParser parsed = new HeaderParser(file, fileSize, dataStart);
        parsed.parse(header.array());
        this.tensors = Collections.unmodifiableMap(parsed.tensors);
        this.metadata = Collections.unmodifiableMap(parsed.metadata);
    }

    /**
     * Opens a safetensors file and validates its header: dtypes, shapes, offsets, and that the tensors' bytes lie
     * back to back, without overlap or gap, from the start of the data to the end of the file. Tensor data is not
     * read until asked for.
     *
     * @throws TopiaryException naming the file and what is wrong with it
     */
    public static SafetensorsReader open(Path file) {
        return open(file, DEFAULT_CHUNK_BYTES);
    }

    /** As {@link #open(Path)}, with a chunk size tests can make small to exercise the chunked path. */
    static SafetensorsReader open(Path file, long chunkBytes) {
        if (Files.isDirectory(file)) {
            throw new TopiaryException(file + " is a directory, not a safetensors file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new TopiaryException("safetensors file not found: " + file);
        } catch (IOException e) {
            throw new TopiaryException("cannot open safetensors file " + file + ": " + IoErrors.describe(e), e);
        }
        try {
            return new SafetensorsReader(file, channel, chunkBytes);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new TopiaryException("cannot read safetensors file " + file + ": " + IoErrors.describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** The file this reader reads. */
    public Path file() {
        return file;
    }

    /** Every tensor in the file, by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The header's {@code __metadata__} entries (empty when there are none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * One tensor's header entry.
     *
     * @throws TopiaryException naming the file and the tensor when there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new TopiaryException("tensor '" + name + "' not found in " + file + " (it holds "
                    + tensors.size() + " tensors)");
        }
        return info;
    }

    /**
     * Reads one tensor into a new NDArray attached to {@code manager}, owning its memory.
     *
     * <p>Floating tensors (F32, F16, BF16) become {@code target}: {@link DataType#FLOAT32} or
     * {@link DataType#FLOAT16}, converted with round to nearest even where narrowing; null keeps F32 and F16 as they
     * are and widens BF16 to FLOAT32 (DJL cannot hold bf16). Integer tensors (I8, U8, I32, I64) are read bit for bit
     * as INT8, UINT8, INT32, INT64; {@code target} must be null or that type.
     *
     * @throws TopiaryException when the tensor does not exist, is an integer tensor asked for as floating point, or
     *     holds NaN or infinity (unless {@link NonFiniteValues#allowed()})
     * @throws IllegalArgumentException when {@code target} is a type other than those above
     */
    public NDArray read(String name, NDManager manager, DataType target) {
        checkOpen();
        TensorInfo info = info(name);
        DataType out = outputType(info, target);
        Shape shape = info.djlShape();
        try {
            return NativeArrays.build(manager, shape, out, chunkBytes, (first, count, staging) -> {
                try {
                    MappedByteBuffer src = map(info, first, count);
                    try {
                        NonFiniteValues.requireFinite(src, info.dtype(), count, first, file, name);
                        convert(src, info.dtype(), staging, out, count);
                    } finally {
                        DirectBuffers.free(src);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw new TopiaryException("cannot read tensor '" + name + "' from " + file + ": "
                    + e.getCause().getMessage(), e);
        }
    }

    /**
     * Reads a floating tensor's values as fp32, row-major, without DJL; for tests and tools.
     *
     * @throws TopiaryException when the tensor does not exist, is not floating point, has over 2^31 elements, or
     *     holds NaN or infinity (unless {@link NonFiniteValues#allowed()})
     */
    public float[] readFloats(String name) {
        checkOpen();
        TensorInfo info = info(name);
        if (!info.dtype().isFloating()) {
            throw new TopiaryException("tensor '" + name + "' in " + file + " holds " + info.dtype().safetensorsName()
                    + " integers, not floating point values");
        }
        long n = info.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new TopiaryException("tensor '" + name + "' in " + file + " has " + n
                    + " elements, too many for a Java array");
        }
        float[] values = new float[(int) n];
        FloatBuffer out = FloatBuffer.wrap(values);
        long perChunk = elementsPerChunk(info.dtype(), Float.BYTES);
        try {
            for (long first = 0; first < n; first += perChunk) {
                int count = (int) Math.min(perChunk, n - first);
                MappedByteBuffer src = map(info, first, count);
                try {
                    NonFiniteValues.requireFinite(src, info.dtype(), count, first, file, name);
                    switch (info.dtype()) {
                        case F32 -> out.put(src.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
                        case BF16 -> FloatFormats.bf16ToFloat(src, out, count);
                        case F16 -> FloatFormats.f16ToFloat(src, out, count);
                        default -> throw new AssertionError(info.dtype());
                    }
                } finally {
                    DirectBuffers.free(src);
                }
            }
        } catch (IOException e) {
            throw new TopiaryException("cannot read tensor '" + name + "' from " + file + ": " + IoErrors.describe(e), e);
        }
        return values;
    }

    /** Closes the file. Arrays already read stay valid: they own their memory. */
    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("safetensors reader for " + file + " is closed");
        }
    }

    private DataType outputType(TensorInfo info, DataType target) {
        if (info.dtype().isFloating()) {
            if (target == null) {
                return info.dtype() == TensorDType.F16 ? DataType.FLOAT16 : DataType.FLOAT32;
            }
            if (target != DataType.FLOAT32 && target != DataType.FLOAT16) {
                throw new IllegalArgumentException("floating tensors read as FLOAT32 or FLOAT16 (or null), not "
                        + target);
            }
            return target;
        }
        DataType natural = switch (info.dtype()) {
            case I8 -> DataType.INT8;
            case U8 -> DataType.UINT8;
            case I32 -> DataType.INT32;
            case I64 -> DataType.INT64;
            default -> throw new AssertionError(info.dtype());
        };
        if (target != null && target != natural) {
            throw new TopiaryException("tensor '" + info.name() + "' in " + file + " holds "
                    + info.dtype().safetensorsName() + " integers, which are read as they are (" + natural
                    + "), not converted to " + target);
        }
        return natural;
    }

    private long elementsPerChunk(TensorDType from, int outBytes) {
        return Math.max(1, chunkBytes / Math.max(from.byteSize(), outBytes));
    }

    // Maps exactly the bytes of elements [first, first + count) of one tensor.
    private MappedByteBuffer map(TensorInfo info, long first, int count) throws IOException {
        long size = info.dtype().byteSize();
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin() + first * size, count * size);
    }

    private static void convert(ByteBuffer src, TensorDType from, ByteBuffer dst, DataType out, int count) {
        ByteBuffer in = src.order(ByteOrder.LITTLE_ENDIAN);
        boolean toHalf = out == DataType.FLOAT16;
        switch (from) {
            case F32 -> {
                if (toHalf) {
                    FloatBuffer f = in.asFloatBuffer();
                    ShortBuffer h = dst.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        h.put(i, FloatFormats.floatToF16(f.get(i)));
                    }
                } else {
                    // Same byte order on both sides (little-endian hosts): a bulk memory copy.
                    dst.asFloatBuffer().put(in.asFloatBuffer());
                }
            }
            case F16 -> {
                if (toHalf) {
                    dst.asShortBuffer().put(in.asShortBuffer());
                } else {
                    FloatFormats.f16ToFloat(in, dst.asFloatBuffer(), count);
                }
            }
            case BF16 -> {
                if (toHalf) {
                    ShortBuffer b = in.asShortBuffer();
                    ShortBuffer h = dst.asShortBuffer();
                    for (int i = 0; i < count; i++) {
                        h.put(i, FloatFormats.floatToF16(FloatFormats.bf16ToFloat(b.get(i))));
                    }
                } else {
                    FloatFormats.bf16ToFloat(in, dst.asFloatBuffer(), count);
                }
            }
            case I8, U8 -> dst.put(in).flip();
            case I32 -> dst.asIntBuffer().put(in.asIntBuffer());
            case I64 -> dst.asLongBuffer().put(in.asLongBuffer());
        }
        dst.clear();
    }

    private long readLong(long position) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(b, position);
        return b.getLong(0);
    }

    private void readFully(ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
        b.flip();
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Already failing with a more useful error.
        }
    }

    /** Validates a header's JSON and collects its entries; every message names the file. */
    private static final class HeaderParser {
        private final Path file;
        private final long fileSize;
        private final long dataStart;
        final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        final Map<String, String> metadata = new LinkedHashMap<>();

        HeaderParser(Path file, long fileSize, long dataStart) {
            this.file = file;
            this.fileSize = fileSize;
            this.dataStart = dataStart;
        }

        void parse(byte[] json) {
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new TopiaryException(file + ": safetensors header is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new TopiaryException(file + ": cannot parse safetensors header: " + IoErrors.describe(e), e);
            }
            if (root == null || !root.isObject()) {
                throw new TopiaryException(file + ": safetensors header must be a JSON object, found "
                        + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().toString()
                        .toLowerCase(java.util.Locale.ROOT)));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    parseMetadata(e.getValue());
                } else {
                    tensors.put(e.getKey(), parseTensor(e.getKey(), e.getValue()));
                }
            }
            checkLayout();
        }

        /**
         * As the reference implementation requires, the tensors' byte ranges, in order of their start, must tile the
         * data buffer exactly: the first starts at 0, each starts where the one before ended, the last ends at the
         * end of the file. Anything else means overlapping tensors (one read from another's bytes), bytes no tensor
         * owns, or a file with something appended.
         */
        private void checkLayout() {
            TensorInfo[] byStart = tensors.values().toArray(TensorInfo[]::new);
            Arrays.sort(byStart, Comparator.comparingLong(TensorInfo::begin)
                    .thenComparingLong(TensorInfo::end));
            long expected = 0;
            TensorInfo previous = null;
            for (TensorInfo t : byStart) {
                if (t.begin() < expected) {
                    throw new TopiaryException(file + ": tensors '" + previous.name() + "' (data_offsets ["
                            + previous.begin() + ", " + previous.end() + "]) and '" + t.name() + "' (data_offsets ["
                            + t.begin() + ", " + t.end() + "]) overlap; each tensor must own its bytes");
                }
                if (t.begin() > expected) {
                    throw new TopiaryException(file + ": bytes " + expected + " to " + t.begin()
                            + " of the data belong to no tensor: " + (previous == null ? "the first tensor,"
                            : "tensor '" + previous.name() + "' ends at " + expected + " and the next,")
                            + " '" + t.name() + "', starts at " + t.begin() + "; tensors must be stored back to back"
                            + " from byte 0");
                }
                expected = t.end();
                previous = t;
            }
            long dataBytes = fileSize - dataStart;
            if (expected != dataBytes) {
                throw new TopiaryException(file + ": the data holds " + dataBytes + " bytes but "
                        + (previous == null ? "the header lists no tensor" : "the last tensor, '" + previous.name()
                        + "', ends at byte " + expected) + "; " + (dataBytes - expected)
                        + " trailing bytes belong to no tensor");
            }
        }

        private void parseMetadata(JsonNode node) {
            if (!node.isObject()) {
                throw new TopiaryException(file + ": __metadata__ must be an object of strings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new TopiaryException(file + ": __metadata__ entry '" + e.getKey()
                            + "' must be a string, found " + e.getValue());
                }
                metadata.put(e.getKey(), e.getValue().textValue());
            }
        }

        private TensorInfo parseTensor(String name, JsonNode node) {
            if (!node.isObject()) {
                throw error(name, "must be an object with dtype, shape and data_offsets, found " + node);
            }
            JsonNode dtypeNode = node.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) {
                throw error(name, "has no dtype string");
            }
            String dtypeName = dtypeNode.textValue();
            TensorDType dtype = null;
            for (TensorDType t : TensorDType.values()) {
                if (t.safetensorsName().equals(dtypeName)) {
                    dtype = t;
                }
            }
            if (dtype == null) {
                throw error(name, "has unsupported dtype '" + dtypeName + "'; supported: "
                        + TensorDType.supportedNames());
            }
            long[] shape = naturals(name, node.get("shape"), "shape", -1);
            long[] offsets = naturals(name, node.get("data_offsets"), "data_offsets", 2);
            long begin = offsets[0];
            long end = offsets[1];
            if (end < begin) {
                throw error(name, "has data_offsets " + Arrays.toString(offsets) + " that end before they begin");
            }
            long needed;
            try {
                needed = dtype.byteSize();
                for (long d : shape) {
                    needed = Math.multiplyExact(needed, d);
                }
            } catch (ArithmeticException e) {
                throw error(name, "has shape " + Arrays.toString(shape) + " too large to address");
            }
            if (end - begin != needed) {
                throw error(name, "has data_offsets " + Arrays.toString(offsets) + " (" + (end - begin)
                        + " bytes) but shape " + Arrays.toString(shape) + " of " + dtypeName + " needs "
                        + needed + " bytes");
            }
            if (end > fileSize - dataStart) {
                throw new TopiaryException(file + " is truncated: tensor '" + name + "' needs bytes up to "
                        + (dataStart + end) + " but the file holds only " + fileSize);
            }
            return new TensorInfo(name, dtype, shape, begin, end);
        }

        // A JSON array of non-negative integers that fit a long; length -1 means any length.
        private long[] naturals(String name, JsonNode node, String field, int length) {
            String expected = length < 0 ? "an array of non-negative integers"
                    : "an array of " + length + " non-negative integers";
            if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
                throw error(name, "has " + field + " " + node + "; expected " + expected);
            }
            long[] values = new long[node.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode v = node.get(i);
                if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                    throw error(name, "has " + field + " " + node + "; expected " + expected);
                }
                values[i] = v.longValue();
            }
            return values;
        }

        private TopiaryException error(String tensor, String problem) {
            return new TopiaryException(file + ": tensor '" + tensor + "' " + problem);
        }
    }
}
