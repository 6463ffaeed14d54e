package dev.topiary.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.engine.DirectBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes safetensors files and reads them back, comparing with the inputs and with the scalar rounding. */
class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    private NDManager manager;

    // The tensors here hold NaN and infinities on purpose, to check they survive bit for bit: the switch that lets
    // non-finite values load is on for these tests.
    @BeforeEach
    void start() {
        manager = NDManager.newBaseManager();
        System.setProperty(NonFiniteValues.PROPERTY, "true");
    }

    @AfterEach
    void stop() {
        manager.close();
        System.clearProperty(NonFiniteValues.PROPERTY);
    }

    static float[] awkwardValues(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 3 == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextGaussian();
        }
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MIN_VALUE,
            Float.MAX_VALUE, 65520f, 0x1p-25f, 1 + 0x1p-8f, 1 + 3 * 0x1p-11f};
        System.arraycopy(special, 0, v, 0, Math.min(n, special.length));
        return v;
    }

    @Test
    void f32IsBitIdentical() throws IOException {
        float[] values = awkwardValues(60, 1);
        Path file = dir.resolve("f32.safetensors");
        SafetensorsWriter.write(file, Map.of("w", manager.create(values, new Shape(6, 10))), TensorDType.F32,
                Map.of("format", "pt"));
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(new TensorInfo("w", TensorDType.F32, new long[] {6, 10}, 0, 240), r.info("w"));
            assertBitsEqual(values, r.readFloats("w"));
            NDArray back = r.read("w", manager, DataType.FLOAT32);
            assertEquals(new Shape(6, 10), back.getShape());
            assertBitsEqual(values, back.toFloatArray());
        }
        assertFalse(Files.exists(dir.resolve("f32.safetensors.tmp")));
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytes() throws IOException {
        Path file = dir.resolve("pad.safetensors");
        for (String name : List.of("x", "xy", "xyz", "wxyz", "vwxyz")) {
            SafetensorsWriter.write(file, Map.of(name, manager.create(new float[] {1f})), TensorDType.F32, null);
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, (8 + n) % 8, "data starts aligned");
            assertEquals(8 + n + 4, bytes.length);
            String header = new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{") && header.strip().endsWith("}"), header);
            assertTrue(header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' '), header);
            assertFalse(header.contains("__metadata__"));
        }
    }

    @Test
    void halfFormatsMatchScalarRounding() throws IOException {
        float[] values = awkwardValues(33, 2);
        for (TensorDType type : List.of(TensorDType.F16, TensorDType.BF16)) {
            Path file = dir.resolve(type + ".safetensors");
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("v", manager.create(values, new Shape(3, 11)));
            // A FLOAT16 array goes the same way: widened exactly, then rounded to the stored type.
            float[] halves = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                halves[i] = FloatFormats.f16ToFloat(FloatFormats.floatToF16(values[i]));
            }
            tensors.put("h", manager.create(halves).toType(DataType.FLOAT16, false));
            SafetensorsWriter.write(file, tensors, type, Map.of());
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                assertEquals(type, r.info("v").dtype());
                assertEquals(2L * values.length, r.info("v").byteSize());
                float[] expected = new float[values.length];
                float[] expectedHalves = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    expected[i] = type == TensorDType.F16
                            ? FloatFormats.f16ToFloat(FloatFormats.floatToF16(values[i]))
                            : FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(values[i]));
                    expectedHalves[i] = type == TensorDType.F16 ? halves[i]
                            : FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(halves[i]));
                }
                assertBitsEqual(expected, r.readFloats("v"));
                assertBitsEqual(expectedHalves, r.readFloats("h"));
                assertBitsEqual(expected, r.read("v", manager, DataType.FLOAT32).toFloatArray());
            }
        }
    }

    @Test
    void integersKeepTheirType() throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("i8", manager.create(new byte[] {-128, -1, 0, 1, 127}));
        tensors.put("u8", manager.create(new byte[] {0, 1, (byte) 200, (byte) 255}).toType(DataType.UINT8, false));
        tensors.put("i32", manager.create(new int[] {Integer.MIN_VALUE, -5, 0, 5, Integer.MAX_VALUE}, new Shape(5, 1)));
        tensors.put("i64", manager.create(new long[] {Long.MIN_VALUE, -1, 1L << 50, Long.MAX_VALUE}));
        tensors.put("f", manager.create(new float[] {1.5f, 2.5f}));
        Path file = dir.resolve("ints.safetensors");
        SafetensorsWriter.write(file, tensors, TensorDType.BF16, null);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(List.of("i8", "u8", "i32", "i64", "f"), List.copyOf(r.tensors().keySet()));
            assertEquals(TensorDType.I8, r.info("i8").dtype());
            assertEquals(TensorDType.U8, r.info("u8").dtype());
            assertEquals(TensorDType.I32, r.info("i32").dtype());
            assertEquals(TensorDType.I64, r.info("i64").dtype());
            assertEquals(TensorDType.BF16, r.info("f").dtype());
            assertArrayEquals(new byte[] {-128, -1, 0, 1, 127}, r.read("i8", manager, null).toByteArray());
            NDArray u8 = r.read("u8", manager, DataType.UINT8);
            assertEquals(DataType.UINT8, u8.getDataType());
            assertArrayEquals(new byte[] {0, 1, (byte) 200, (byte) 255}, u8.toByteArray());
            NDArray i32 = r.read("i32", manager, null);
            assertEquals(new Shape(5, 1), i32.getShape());
            assertArrayEquals(new int[] {Integer.MIN_VALUE, -5, 0, 5, Integer.MAX_VALUE}, i32.toIntArray());
            assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 1L << 50, Long.MAX_VALUE},
                    r.read("i64", manager, null).toLongArray());
            assertArrayEquals(new float[] {1.5f, 2.5f}, r.readFloats("f"));
        }
    }

    @Test
    void nonContiguousViewsAreWrittenInLogicalOrder() throws IOException {
        NDArray base = manager.arange(6f).reshape(2, 3);
        NDArray transposed = base.transpose();
        Path file = dir.resolve("view.safetensors");
        SafetensorsWriter.write(file, Map.of("t", transposed), TensorDType.F32, null);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertArrayEquals(new long[] {3, 2}, r.info("t").shape());
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, r.readFloats("t"));
        }
    }

    @Test
    void chunkedReadOfALargerTensorMatches() throws IOException {
        float[] values = awkwardValues(10_000, 3);
        Path file = dir.resolve("big.safetensors");
        SafetensorsWriter.write(file, Map.of("w", manager.create(values, new Shape(100, 100))), TensorDType.BF16,
                null);
        try (SafetensorsReader whole = SafetensorsReader.open(file);
                SafetensorsReader chunked = SafetensorsReader.open(file, 4000)) {
            float[] expected = whole.readFloats("w");
            NDArray a = chunked.read("w", manager, DataType.FLOAT32);
            assertEquals(new Shape(100, 100), a.getShape());
            assertBitsEqual(expected, a.toFloatArray());
            assertBitsEqual(expected, chunked.readFloats("w"));
        }
    }

    @Test
    void readingReleasesMappingsAndStagingBuffersAtOnce() throws IOException {
        assertTrue(DirectBuffers.canFree(), "sun.misc.Unsafe.invokeCleaner is reachable");
        Path file = dir.resolve("release.safetensors");
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("bf", manager.create(awkwardValues(300_000, 4)));
        tensors.put("i", manager.create(new int[1000]));
        SafetensorsWriter.write(file, tensors, TensorDType.BF16, null);
        try (SafetensorsReader whole = SafetensorsReader.open(file);
                SafetensorsReader chunked = SafetensorsReader.open(file, 100_000)) {
            long direct = bufferPoolBytes("direct");
            long mapped = bufferPoolBytes("mapped");
            for (SafetensorsReader r : List.of(whole, chunked)) {
                for (int i = 0; i < 3; i++) {
                    r.read("bf", manager, DataType.FLOAT32).close();
                    r.read("bf", manager, DataType.FLOAT16).close();
                    r.read("i", manager, null).close();
                    r.readFloats("bf");
                }
            }
            // Nothing left for the garbage collector: every buffer was released when its tensor was done. (The pools
            // may shrink meanwhile: the collector can free buffers that other code left behind earlier.)
            long directAfter = bufferPoolBytes("direct");
            long mappedAfter = bufferPoolBytes("mapped");
            assertTrue(directAfter <= direct, "direct buffers grew from " + direct + " to " + directAfter + " bytes");
            assertTrue(mappedAfter <= mapped, "mapped buffers grew from " + mapped + " to " + mappedAfter + " bytes");
        }
    }

    private static long bufferPoolBytes(String pool) {
        return java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)
                .stream().filter(b -> b.getName().equals(pool)).mapToLong(b -> b.getMemoryUsed()).sum();
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        SafetensorsWriter.write(file, Map.of("old", manager.create(new float[] {1f})), TensorDType.F32, null);
        byte[] before = Files.readAllBytes(file);
        NDArray broken = manager.create(new float[] {1f, 2f});
        broken.getShape();
        broken.getDataType();
        broken.close(); // its data can no longer be fetched, so writing fails after the header
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("fine", manager.create(new float[] {3f}));
        tensors.put("broken", broken);
        assertThrows(RuntimeException.class, () -> SafetensorsWriter.write(file, tensors, TensorDType.F32, null));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertFalse(Files.exists(dir.resolve("keep.safetensors.tmp")));
    }

    @Test
    void rejectsUnsupportedArguments() {
        Path file = dir.resolve("x.safetensors");
        NDArray bool = manager.create(new boolean[] {true});
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of("b", bool), TensorDType.F32, null));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of("x", manager.create(1f)), TensorDType.I8, null));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of("__metadata__", manager.create(1f)), TensorDType.F32, null));
        assertFalse(Files.exists(file));
    }

    static void assertBitsEqual(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            // Raw bits: NaN payloads and the sign of zero must survive too.
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    "element " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
