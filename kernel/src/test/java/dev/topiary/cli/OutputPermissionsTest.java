package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the commands write gets the mode any new file gets (the umask's), the JSON files as the weights. */
class OutputPermissionsTest {

    @TempDir
    Path dir;

    @Test
    void everyFileOfASavedModelHasTheModeOfAFileCreatedNormally() throws IOException {
        Path model = dir.resolve("model");
        assertEquals(0, CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "32", "--ffn", "64",
                "--vocab", "300", "--output", model.toString()).code());
        Path text = Files.writeString(dir.resolve("text.txt"), "we the people, in order to form\n",
                StandardCharsets.UTF_8);
        assertEquals(0, CommandRun.run("tokenizer", "train", "--input", text.toString(), "--vocab-size", "300",
                "--output", model.toString()).code());
        Path quantized = dir.resolve("int8");
        CommandRun q = CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8", "--output",
                quantized.toString());
        assertEquals(0, q.code(), q.err());
        for (Path written : List.of(model, quantized)) {
            Set<PosixFilePermission> normal = Files.getPosixFilePermissions(Files.createFile(written.resolve(
                    "created-normally")));
            Map<String, String> modes = new TreeMap<>();
            try (Stream<Path> files = Files.list(written)) {
                files.forEach(f -> modes.put(f.getFileName().toString(), mode(f)));
            }
            assertTrue(modes.keySet().containsAll(List.of("config.json", "tokenizer.json")), modes.toString());
            assertTrue(written.equals(model) || modes.containsKey("recipe.json"), modes.toString());
            for (Map.Entry<String, String> m : modes.entrySet()) {
                assertEquals(PosixFilePermissions.toString(normal), m.getValue(), written + ": " + modes);
            }
        }
    }

    private static String mode(Path file) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
