package dev.topiary.llamacpp;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LlamaCppModel's failures: a bad file is a TopiaryException naming it, never a crash of the JVM. */
class LlamaCppModelTest {

    @TempDir
    Path dir;

    @Test
    void nonGgufFileFailsWithItsName() throws IOException {
        Path file = dir.resolve("garbage.gguf");
        Files.writeString(file, "definitely not a model");
        TopiaryException e = assertThrows(TopiaryException.class, () -> LlamaCppModel.load(file, 64));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void missingFileFailsWithItsName() {
        Path file = dir.resolve("absent.gguf");
        TopiaryException e = assertThrows(TopiaryException.class, () -> LlamaCppModel.load(file, 64));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void metadataOnlyGgufWithoutArchitectureFailsWithItsName() throws IOException {
        // A valid GGUF header with no metadata and no tensors: llama.cpp must refuse it as a model.
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(0);
        Path file = dir.resolve("empty.gguf");
        Files.write(file, b.array());
        TopiaryException e = assertThrows(TopiaryException.class, () -> LlamaCppModel.load(file, 64));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
