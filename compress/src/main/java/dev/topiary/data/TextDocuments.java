package dev.topiary.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads training documents from a user's file, by extension: {@code .txt} is one document (the whole file), {@code
 * .jsonl} is one document per line, a JSON object whose string field {@code text} is the document (other fields
 * are ignored, blank lines skipped). The input must be valid UTF-8; every problem is reported as a one-line
 * {@link TopiaryException} naming the file and line.
 */
public final class TextDocuments {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TextDocuments() {}

    /**
     * The documents of {@code file}.
     *
     * @throws TopiaryException if the file is missing, unreadable, not {@code .txt} or {@code .jsonl}, not UTF-8,
     *     malformed, or holds no text at all
     */
    public static List<String> read(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean jsonl = name.endsWith(".jsonl");
        if (!jsonl && !name.endsWith(".txt")) {
            throw new TopiaryException(file + ": expected a .txt file (one document) or a .jsonl file (one JSON "
                    + "object with a \"text\" field per line)");
        }
        if (Files.isDirectory(file)) {
            throw new TopiaryException(file + " is a directory, expected a .txt or .jsonl file");
        }
        List<String> documents = new ArrayList<>();
        StringBuilder whole = new StringBuilder();
        try (InputStream in = Files.newInputStream(file)) {
            LineReader lines = new LineReader(in, file);
            String line;
            while ((line = lines.next()) != null) {
                if (jsonl) {
                    if (!line.isBlank()) {
                        documents.add(text(line, file, lines.number()));
                    }
                } else {
                    if (lines.number() > 1) {
                        whole.append('\n');
                    }
                    whole.append(line);
                }
            }
        } catch (NoSuchFileException e) {
            throw new TopiaryException("input file not found: " + file);
        } catch (IOException e) {
            throw new TopiaryException("cannot read " + file + ": " + IoErrors.describe(e), e);
        }
        if (!jsonl) {
            documents.add(whole.toString());
        }
        if (documents.stream().allMatch(String::isEmpty)) {
            throw new TopiaryException(file + " holds no text" + (jsonl
                    ? " (expected one JSON object with a non-empty \"text\" field per line)" : " (the file is empty)"));
        }
        return documents;
    }

    private static String text(String line, Path file, long number) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage().startsWith("Trailing token")
                    ? "more than one JSON value on the line"
                    : e.getOriginalMessage().lines().findFirst().orElse("");
            String column = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new TopiaryException(file + " line " + number + ": invalid JSON" + column + " (" + why + ")");
        }
        JsonNode text = node == null || !node.isObject() ? null : node.get("text");
        if (text == null || !text.isTextual()) {
            String got = text == null ? "" : ", got " + text.getNodeType().toString().toLowerCase(Locale.ROOT);
            throw new TopiaryException(file + " line " + number + ": expected a JSON object with a string field "
                    + "\"text\"" + got);
        }
        return text.asText();
    }

    /**
     * Splits a byte stream at '\n' and decodes each line on its own, strictly: a 0x0A byte never occurs inside a
     * UTF-8 sequence, so the lines are exact (joined with '\n' they give the file back) and a bad byte is reported
     * at its own line.
     */
    private static final class LineReader {
        private final InputStream in;
        private final Path file;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final byte[] chunk = new byte[1 << 16];
        private int position;
        private int limit;
        private byte[] line = new byte[8192];
        private long number;
        private boolean done;

        LineReader(InputStream in, Path file) {
            this.in = in;
            this.file = file;
        }

        /** The next line without its '\n', or null after the last; the text after the last '\n' is a line too. */
        String next() throws IOException {
            if (done) {
                return null;
            }
            int size = 0;
            while (true) {
                if (position == limit) {
                    limit = Math.max(0, in.read(chunk));
                    position = 0;
                    if (limit == 0) {
                        done = true;
                        break;
                    }
                }
                int end = position;
                while (end < limit && chunk[end] != '\n') {
                    end++;
                }
                int n = end - position;
                if (size + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, size + n));
                }
                System.arraycopy(chunk, position, line, size, n);
                size += n;
                position = end;
                if (end < limit) {
                    position++; // past the '\n'
                    break;
                }
            }
            number++;
            return decode(size);
        }

        private String decode(int size) {
            ByteBuffer bytes = ByteBuffer.wrap(line, 0, size);
            CharBuffer chars = CharBuffer.allocate(size);
            utf8.reset();
            CoderResult result = utf8.decode(bytes, chars, true);
            if (!result.isError()) {
                result = utf8.flush(chars);
            }
            if (result.isError()) {
                int at = bytes.position();
                throw new TopiaryException(file + " line " + number + ": not valid UTF-8 (byte 0x"
                        + String.format("%02X", line[at] & 0xFF) + " at byte " + (at + 1) + " of the line)");
            }
            chars.flip();
            return chars.toString();
        }

        long number() {
            return number;
        }
    }
}
