package dev.topiary.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Text files that appear complete or not at all: written under a hidden temporary name beside the target, then
 * renamed. The temporary file is created as any new file is (the umask decides its mode), so what is written gets
 * the same permissions as the weights and everything else in the directory, not the owner-only mode of
 * {@link Files#createTempFile}.
 */
public final class AtomicFile {

    private AtomicFile() {}

    /** Writes {@code text} (UTF-8) to {@code file}, creating its directory and replacing any file there. */
    public static void writeString(Path file, String text) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
