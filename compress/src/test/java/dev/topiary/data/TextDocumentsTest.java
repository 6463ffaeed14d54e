package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDocumentsTest {

    @TempDir
    Path dir;

    @Test
    void aTextFileIsOneDocumentExactlyAsWritten() throws IOException {
        String text = "First line\r\nsecond — 東京 \uD83C\uDF33\n\n\ttabbed\nends with a newline\n";
        assertEquals(List.of(text), TextDocuments.read(Files.writeString(dir.resolve("a.txt"), text)));
        // Longer than the reader's buffers, no newline at the end.
        String long_ = "word ".repeat(40_000) + "é".repeat(70_000);
        assertEquals(List.of(long_), TextDocuments.read(Files.writeString(dir.resolve("long.TXT"), long_)));
    }

    @Test
    void aJsonlFileIsOneDocumentPerLine() throws IOException {
        Path file = write("d.jsonl", "{\"text\": \"one\", \"year\": 1790}\r\n\n"
                + "{\"id\": 2, \"text\": \"two\\nlines \\u00e9 東京\"}\n   \n{\"text\": \"\"}\n{\"text\":\"last\"}");
        assertEquals(List.of("one", "two\nlines é 東京", "", "last"), TextDocuments.read(file));
    }

    @Test
    void badInputNamesTheFileAndLine() throws IOException {
        assertError(write("a.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n"),
                "a.jsonl line 2: invalid JSON at column 24 (Unexpected end-of-input");
        assertError(write("b.jsonl", "{\"text\": \"ok\"}\n\n{\"body\": \"x\"}\n"),
                "b.jsonl line 3: expected a JSON object with a string field \"text\"");
        assertError(write("c.jsonl", "{\"text\": 3}\n"),
                "c.jsonl line 1: expected a JSON object with a string field \"text\", got number");
        assertError(write("d.jsonl", "[\"text\"]\n"), "d.jsonl line 1: expected a JSON object with a string field");
        Path twoValues = write("e.jsonl", "{\"text\": \"a\"} {\"text\": \"b\"}\n");
        assertError(twoValues, "e.jsonl line 1: invalid JSON at column ");
        assertError(twoValues, "(more than one JSON value on the line)");
        byte[] latin1 = "{\"text\": \"ok\"}\n{\"text\": \"Gr\u00fc\u00dfe\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        assertError(Files.write(dir.resolve("f.jsonl"), latin1),
                "f.jsonl line 2: not valid UTF-8 (byte 0xFC at byte 13 of the line)");
        byte[] truncated = "fine\nfine\ncut \u00e9".getBytes(StandardCharsets.UTF_8);
        assertError(Files.write(dir.resolve("g.txt"), java.util.Arrays.copyOf(truncated, truncated.length - 1)),
                "g.txt line 3: not valid UTF-8 (byte 0xC3 at byte 5 of the line)");
    }

    @Test
    void emptyMissingOrUnknownInputIsRejected() throws IOException {
        assertError(write("empty.txt", ""), "empty.txt holds no text (the file is empty)");
        assertError(write("empty.jsonl", ""), "empty.jsonl holds no text (expected one JSON object");
        assertError(write("blank.jsonl", "\n\n{\"text\": \"\"}\n"), "blank.jsonl holds no text");
        assertError(write("data.csv", "text\nx\n"), "data.csv: expected a .txt file (one document) or a .jsonl file");
        assertError(dir.resolve("absent.txt"), "input file not found: " + dir.resolve("absent.txt"));
        Files.createDirectories(dir.resolve("folder.txt"));
        assertError(dir.resolve("folder.txt"), "folder.txt is a directory");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void assertError(Path file, String expected) {
        TopiaryException e = assertThrows(TopiaryException.class, () -> TextDocuments.read(file));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        String message = e.getMessage();
        if (!message.contains(expected)) {
            throw new AssertionError("expected <" + expected + "> in <" + message + ">");
        }
    }
}
