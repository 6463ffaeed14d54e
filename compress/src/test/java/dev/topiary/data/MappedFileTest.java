package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values read across chunk boundaries, with chunks made tiny so every alignment meets one. */
class MappedFileTest {

    @TempDir
    Path dir;

    @Test
    void everyValueAtEveryOffsetReadsAsInOneBuffer() throws IOException {
        byte[] bytes = new byte[101];
        new SplittableRandom(5).nextBytes(bytes);
        Path file = dir.resolve("f");
        Files.write(file, bytes);
        ByteBuffer expected = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        MappedFile mapped = MappedFile.map(file, 16);
        assertEquals(101, mapped.size());
        for (int at = 0; at < bytes.length; at++) {
            assertEquals(expected.get(at), mapped.getByte(at));
            if (at + 2 <= bytes.length) {
                assertEquals(expected.getShort(at), mapped.getShort(at), "short at " + at);
            }
            if (at + 4 <= bytes.length) {
                assertEquals(expected.getInt(at), mapped.getInt(at), "int at " + at);
            }
            if (at + 8 <= bytes.length) {
                assertEquals(expected.getLong(at), mapped.getLong(at), "long at " + at);
            }
        }
    }

    @Test
    void emptyFileMaps() throws IOException {
        Path file = dir.resolve("empty");
        Files.write(file, new byte[0]);
        assertEquals(0, MappedFile.map(file, 16).size());
    }
}
