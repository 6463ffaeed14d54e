package dev.topiary.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a safetensors file assembled byte by byte here, and checks every malformed-file error. */
class SafetensorsReaderTest {

    @TempDir
    Path dir;

    // No padding, so tensor data sits at unaligned offsets; the reader must not care.
    private static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"hand made\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[24,30]},"
            + "\"c\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[30,38]},"
            + "\"d\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[38,46]},"
            + "\"e\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[46,54]},"
            + "\"f\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[54,57]},"
            + "\"g\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[57,59]},"
            + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[59,63]},"
            + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[63,63]}}";

    private static final float[] A = {1f, -2f, 0.5f, 3.25f, 1e-3f, -0f};

    private Path handMadeFile() throws IOException {
        byte[] header = HEADER.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 63).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (float v : A) {
            b.putFloat(v);
        }
        b.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x0001); // 1, -2.5, 2^-24
        b.putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0x3F00).putShort((short) 0x4049);
        b.putInt(7).putInt(-123456);
        b.putLong(1L << 40);
        b.put((byte) -1).put((byte) 0).put((byte) 127);
        b.put((byte) 255).put((byte) 1);
        b.putFloat(42f);
        assertEquals(b.capacity(), b.position());
        Path file = dir.resolve("hand.safetensors");
        Files.write(file, b.array());
        return file;
    }

    @Test
    void readsHeaderAndMetadata() throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(handMadeFile())) {
            assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "s", "z"), List.copyOf(r.tensors().keySet()));
            assertEquals(Map.of("format", "pt", "note", "hand made"), r.metadata());
            TensorInfo c = r.tensors().get("c");
            assertEquals(new TensorInfo("c", TensorDType.BF16, new long[] {2, 2}, 30, 38), c);
            assertEquals(4, c.elementCount());
            assertEquals(1, r.info("s").elementCount());
            assertEquals(0, r.info("z").elementCount());
        }
    }

    @Test
    void readsFloatsOfEachFormat() throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(handMadeFile())) {
            assertArrayEquals(A, r.readFloats("a"));
            assertArrayEquals(new float[] {1f, -2.5f, 0x1p-24f}, r.readFloats("b"));
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 3.140625f}, r.readFloats("c"));
            assertArrayEquals(new float[] {42f}, r.readFloats("s"));
            TopiaryException e = assertThrows(TopiaryException.class, () -> r.readFloats("d"));
            assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("I32"), e.getMessage());
        }
    }

    @Test
    void readsNDArraysAndConverts() throws IOException {
        Path file = handMadeFile();
        for (long chunk : new long[] {SafetensorsReader.DEFAULT_CHUNK_BYTES, 8, 3}) {
            NDArray a32;
            NDArray a16;
            NDArray b16;
            NDArray b32;
            NDArray c32;
            NDArray c16;
            NDArray d;
            NDArray e;
            NDArray f;
            NDArray g;
            NDArray s;
            NDArray z;
            try (NDManager m = NDManager.newBaseManager()) {
                try (SafetensorsReader r = SafetensorsReader.open(file, chunk)) {
                    a32 = r.read("a", m, DataType.FLOAT32);
                    a16 = r.read("a", m, DataType.FLOAT16);
                    b16 = r.read("b", m, null);
                    b32 = r.read("b", m, DataType.FLOAT32);
                    c32 = r.read("c", m, null);
                    c16 = r.read("c", m, DataType.FLOAT16);
                    d = r.read("d", m, null);
                    e = r.read("e", m, DataType.INT64);
                    f = r.read("f", m, null);
                    g = r.read("g", m, null);
                    s = r.read("s", m, null);
                    z = r.read("z", m, DataType.FLOAT32);
                }
                // The reader is closed and every mapping and staging buffer released: the arrays own their data.
                assertEquals(new Shape(2, 3), a32.getShape());
                assertEquals(DataType.FLOAT32, a32.getDataType());
                assertArrayEquals(A, a32.toFloatArray());
                assertEquals(DataType.FLOAT16, a16.getDataType());
                float[] rounded = new float[A.length];
                for (int i = 0; i < A.length; i++) {
                    rounded[i] = FloatFormats.f16ToFloat(FloatFormats.floatToF16(A[i]));
                }
                assertArrayEquals(rounded, a16.toType(DataType.FLOAT32, false).toFloatArray());
                assertEquals(DataType.FLOAT16, b16.getDataType());
                assertArrayEquals(new float[] {1f, -2.5f, 0x1p-24f}, b16.toType(DataType.FLOAT32, false).toFloatArray());
                assertArrayEquals(new float[] {1f, -2.5f, 0x1p-24f}, b32.toFloatArray());
                assertEquals(DataType.FLOAT32, c32.getDataType());
                assertEquals(new Shape(2, 2), c32.getShape());
                assertArrayEquals(new float[] {1f, -2f, 0.5f, 3.140625f}, c32.toFloatArray());
                assertArrayEquals(new float[] {1f, -2f, 0.5f, 3.140625f},
                        c16.toType(DataType.FLOAT32, false).toFloatArray());
                assertEquals(DataType.INT32, d.getDataType());
                assertArrayEquals(new int[] {7, -123456}, d.toIntArray());
                assertArrayEquals(new long[] {1L << 40}, e.toLongArray());
                assertEquals(DataType.INT8, f.getDataType());
                assertArrayEquals(new byte[] {-1, 0, 127}, f.toByteArray());
                assertEquals(DataType.UINT8, g.getDataType());
                assertArrayEquals(new byte[] {(byte) 255, 1}, g.toByteArray());
                assertEquals(new Shape(), s.getShape());
                assertArrayEquals(new float[] {42f}, s.toFloatArray());
                assertEquals(new Shape(0, 4), z.getShape());
            }
        }
    }

    @Test
    void integerTensorsAreNotConvertedToFloat() throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(handMadeFile()); NDManager m = NDManager.newBaseManager()) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> r.read("d", m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("'d'") && e.getMessage().contains("I32"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> r.read("a", m, DataType.INT32));
        }
    }

    @Test
    void unknownTensorNamesFileAndTensor() throws IOException {
        Path file = handMadeFile();
        try (SafetensorsReader r = SafetensorsReader.open(file); NDManager m = NDManager.newBaseManager()) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> r.read("nope", m, null));
            assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        TopiaryException e = assertThrows(TopiaryException.class, () -> SafetensorsReader.open(file));
        assertEquals("safetensors file not found: " + file, e.getMessage());
    }

    @Test
    void fileTooShortForTheLength() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        String msg = assertThrows(TopiaryException.class, () -> SafetensorsReader.open(file)).getMessage();
        assertTrue(msg.startsWith(file.toString()) && msg.contains("3 bytes") && msg.contains("8-byte"), msg);
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path file = write("long", 1000, "{}".getBytes(StandardCharsets.UTF_8), 0);
        assertError(file, file + ": header length 1000 exceeds file size 10");
        Path huge = write("huge", -1, "{}".getBytes(StandardCharsets.UTF_8), 0);
        assertError(huge, huge + ": header length 18446744073709551615 exceeds file size 10");
    }

    @Test
    void headerNotJson() throws IOException {
        Path file = write("bad", "{\"a\": nope}", 0);
        assertError(file, file + ": safetensors header is not valid JSON");
        Path array = write("array", "[1, 2]", 0);
        assertError(array, array + ": safetensors header must be a JSON object, found array");
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = write("dtype", "{\"t\":{\"dtype\":\"F64X\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        assertError(file, file + ": tensor 't' has unsupported dtype 'F64X'; supported: F32, F16, BF16, I8, U8, I32, I64");
    }

    @Test
    void offsetsNotMatchingShape() throws IOException {
        Path file = write("offsets", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16);
        assertError(file, file + ": tensor 't' has data_offsets [0, 12] (12 bytes) but shape [2, 2] of F32 needs 16 bytes");
        Path shape = write("shape", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8);
        assertError(shape, shape + ": tensor 't' has shape [2,-1]; expected an array of non-negative integers");
        Path half = write("half", "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8);
        assertError(half, half + ": tensor 't' has data_offsets [0]; expected an array of 2 non-negative integers");
    }

    @Test
    void truncatedData() throws IOException {
        String json = "{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Path file = write("trunc", json, 8);
        long headerEnd = 8 + json.length();
        assertError(file, file + " is truncated: tensor 't' needs bytes up to " + (headerEnd + 16)
                + " but the file holds only " + (headerEnd + 8));
    }

    @Test
    void overlappingTensorsAreRefusedNamingBoth() throws IOException {
        Path file = write("overlap", "{\"l0.q\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"l1.q\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
        assertError(file, file + ": tensors 'l0.q' (data_offsets [0, 16]) and 'l1.q' (data_offsets [8, 24]) overlap;");
        // The very same bytes for two tensors, listed in the other order: still refused.
        Path same = write("same", "{\"l1.q\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"l0.q\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        assertError(same, same + ": tensors 'l1.q' (data_offsets [0, 16]) and 'l0.q' (data_offsets [0, 16]) overlap;");
    }

    @Test
    void gapsBetweenOrBeforeTensorsAreRefused() throws IOException {
        Path gap = write("gap", "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 24);
        assertError(gap, gap + ": bytes 8 to 16 of the data belong to no tensor: tensor 'a' ends at 8 and the next,"
                + " 'b', starts at 16;");
        Path lead = write("lead", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertError(lead, lead + ": bytes 0 to 4 of the data belong to no tensor: the first tensor, 'a', starts at 4;");
    }

    @Test
    void trailingBytesAfterTheLastTensorAreRefused() throws IOException {
        Path file = write("trailing", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 11);
        assertError(file, file + ": the data holds 11 bytes but the last tensor, 'z', ends at byte 8; 3 trailing bytes"
                + " belong to no tensor");
        Path empty = write("empty", "{}", 2);
        assertError(empty, empty + ": the data holds 2 bytes but the header lists no tensor; 2 trailing bytes");
    }

    private void assertError(Path file, String expectedStart) {
        String msg = assertThrows(TopiaryException.class, () -> SafetensorsReader.open(file)).getMessage();
        assertTrue(msg.startsWith(expectedStart), "message: " + msg + "\nexpected start: " + expectedStart);
    }

    private Path write(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return write(name, h.length, h, dataBytes);
    }

    private Path write(String name, long declaredLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path file = dir.resolve(name + ".safetensors");
        Files.write(file, b.array());
        return file;
    }
}
