package dev.topiary.llamacpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp's GGUF parser and dequantizers on a file and blocks built by hand from the GGUF and ggml layouts. */
class GgufReaderTest {

    @TempDir
    Path dir;

    private static final float[] F32 = {1.5f, -2.25f, 0f, 1e-3f};
    private static final short HALF_0_5 = 0x3800;
    private static final short HALF_0_25 = 0x3400;

    /** A Q8_0 block: fp16 scale 0.5, then q_j = j - 16. */
    private static byte[] q8Block() {
        ByteBuffer b = ByteBuffer.allocate(34).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(HALF_0_5);
        for (int j = 0; j < 32; j++) {
            b.put((byte) (j - 16));
        }
        return b.array();
    }

    private static float[] q8Values() {
        float[] v = new float[32];
        for (int j = 0; j < 32; j++) {
            v[j] = 0.5f * (j - 16);
        }
        return v;
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(bytes.length);
        b.put(bytes);
    }

    private static void pad(ByteBuffer b, int alignment) {
        while (b.position() % alignment != 0) {
            b.put((byte) 0);
        }
    }

    /** GGUF v3: two metadata keys, an F32 tensor of 4 and a Q8_0 tensor of 32, data aligned to 32. */
    private Path tinyGguf() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII));
        b.putInt(3);
        b.putLong(2); // tensors
        b.putLong(2); // metadata pairs
        putString(b, "general.name");
        b.putInt(GgufReader.GGUF_TYPE_STRING);
        putString(b, "tiny model");
        putString(b, "test.count");
        b.putInt(GgufReader.GGUF_TYPE_UINT32);
        b.putInt(42);
        putString(b, "a.weight");
        b.putInt(1);
        b.putLong(4);
        b.putInt(GgufReader.GGML_TYPE_F32);
        b.putLong(0);
        putString(b, "b.weight");
        b.putInt(1);
        b.putLong(32);
        b.putInt(GgufReader.GGML_TYPE_Q8_0);
        b.putLong(32); // 16 bytes of F32, padded to 32
        pad(b, 32);
        int dataStart = b.position();
        for (float x : F32) {
            b.putFloat(x);
        }
        pad(b, 32);
        assertEquals(dataStart + 32, b.position());
        b.put(q8Block());
        pad(b, 32);
        Path file = dir.resolve("tiny.gguf");
        Files.write(file, Arrays.copyOf(b.array(), b.position()));
        return file;
    }

    @Test
    void readsHandBuiltFile() throws IOException {
        Path file = tinyGguf();
        try (GgufReader r = GgufReader.open(file)) {
            assertEquals(3, r.version());
            assertEquals(32, r.alignment());
            assertEquals(0, r.dataOffset() % 32);
            assertEquals(List.of("general.name", "test.count"), r.keys());
            assertEquals("tiny model", r.string("general.name"));
            assertEquals(42, r.uint32("test.count"));
            assertEquals(Optional.of(GgufReader.GGUF_TYPE_UINT32), r.type("test.count"));
            assertEquals(Optional.empty(), r.type("absent"));
            assertEquals(List.of("a.weight", "b.weight"), r.tensorNames());
            assertEquals(GgufReader.GGML_TYPE_F32, r.tensorType("a.weight"));
            assertEquals(GgufReader.GGML_TYPE_Q8_0, r.tensorType("b.weight"));
            assertEquals(0, r.tensorOffset("a.weight"));
            assertEquals(32, r.tensorOffset("b.weight"));
            assertEquals(16, r.tensorSize("a.weight"));
            assertEquals(34, r.tensorSize("b.weight"));

            byte[] a = r.tensorBytes("a.weight");
            assertArrayEquals(F32, GgufReader.dequantize(GgufReader.GGML_TYPE_F32, a, 4));
            byte[] q = r.tensorBytes("b.weight");
            assertArrayEquals(q8Block(), q);
            assertArrayEquals(q8Values(), GgufReader.dequantize(GgufReader.GGML_TYPE_Q8_0, q, 32));
        }
    }

    @Test
    void wrongTypeOrMissingNameIsAnExceptionNotAnAbort() throws IOException {
        try (GgufReader r = GgufReader.open(tinyGguf())) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> r.uint32("general.name"));
            assertTrue(e.getMessage().contains("general.name"), e.getMessage());
            assertThrows(TopiaryException.class, () -> r.string("absent.key"));
            assertThrows(TopiaryException.class, () -> r.stringArray("test.count"));
            assertThrows(TopiaryException.class, () -> r.tensorType("c.weight"));
        }
    }

    @Test
    void nonGgufFileIsRejectedWithItsName() throws IOException {
        Path file = dir.resolve("not.gguf");
        Files.writeString(file, "this is not a GGUF file at all");
        TopiaryException e = assertThrows(TopiaryException.class, () -> GgufReader.open(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void q8ZeroDequantizesToScaleTimesQuant() {
        assertArrayEquals(q8Values(), GgufReader.dequantize(GgufReader.GGML_TYPE_Q8_0, q8Block(), 32));
    }

    @Test
    void q4ZeroDequantizesLowNibblesFirstThenHigh() {
        ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(HALF_0_25);
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            int lo = j;
            int hi = 15 - j;
            b.put((byte) (lo | hi << 4));
            expected[j] = 0.25f * (lo - 8);
            expected[j + 16] = 0.25f * (hi - 8);
        }
        assertArrayEquals(expected, GgufReader.dequantize(GgufReader.GGML_TYPE_Q4_0, b.array(), 32));
    }

    @Test
    void halfFloatsConvert() {
        ByteBuffer b = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0x3C00).putShort((short) 0xC000).putShort(HALF_0_25);
        assertArrayEquals(new float[] {1f, -2f, 0.25f}, GgufReader.dequantize(GgufReader.GGML_TYPE_F16, b.array(), 3));
    }

    @Test
    void zeroBlocksOfEveryQuantTypeDequantizeToZero() {
        int[][] types = {{GgufReader.GGML_TYPE_Q4_1, 32, 20}, {GgufReader.GGML_TYPE_Q4_K, 256, 144},
                {GgufReader.GGML_TYPE_Q6_K, 256, 210}};
        for (int[] t : types) {
            float[] out = GgufReader.dequantize(t[0], new byte[t[2]], t[1]);
            assertArrayEquals(new float[t[1]], out, 0f, "ggml type " + t[0]); // -0.0 counts as zero
        }
    }

    @Test
    void partialBlocksAndShortDataAreRejected() {
        assertThrows(TopiaryException.class, () -> GgufReader.dequantize(GgufReader.GGML_TYPE_Q8_0, q8Block(), 31));
        assertThrows(TopiaryException.class, () -> GgufReader.dequantize(GgufReader.GGML_TYPE_Q8_0, q8Block(), 64));
        assertThrows(TopiaryException.class, () -> GgufReader.dequantize(99, new byte[4], 1));
    }
}
