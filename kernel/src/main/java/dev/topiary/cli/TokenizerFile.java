package dev.topiary.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Keeps a model's tokenizer with the models made from it, so every output directory is complete on its own. */
final class TokenizerFile {

    private TokenizerFile() {}

    /** Copies {@code tokenizer.json} from the model directory {@code from} into {@code to}, when there is one. */
    static void copy(Path from, Path to) {
        Path source = (Files.isDirectory(from) ? from : from.toAbsolutePath().getParent()).resolve("tokenizer.json");
        if (Files.isRegularFile(source)) {
            try {
                Files.copy(source, to.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
