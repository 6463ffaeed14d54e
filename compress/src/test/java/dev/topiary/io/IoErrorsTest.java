package dev.topiary.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File-system failures, caused for real, said in words. */
class IoErrorsTest {

    @TempDir
    Path dir;

    @Test
    void namesTheFileAndWhatHappened() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(file + ": already exists", IoErrors.describe(assertThrows(IOException.class,
                () -> Files.createFile(file))));
        Path missing = dir.resolve("missing");
        assertEquals(missing + ": no such file or directory", IoErrors.describe(assertThrows(IOException.class,
                () -> Files.readString(missing))));
        assertEquals("is a directory", IoErrors.describe(assertThrows(IOException.class,
                () -> Files.readString(dir))));
        Path notUtf8 = Files.write(dir.resolve("latin1"), new byte[] {'c', 'a', 'f', (byte) 0xe9});
        assertEquals("not valid UTF-8 text", IoErrors.describe(assertThrows(IOException.class,
                () -> Files.readString(notUtf8, StandardCharsets.UTF_8))));
    }

    @Test
    void saysWhyAPathIsNotARegularFile() throws IOException {
        assertEquals("is a directory", IoErrors.whyNotARegularFile(dir));
        assertEquals("is missing", IoErrors.whyNotARegularFile(dir.resolve("nothing")));
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("gone"));
        assertEquals("is a link to gone, which does not exist", IoErrors.whyNotARegularFile(link));
    }
}
