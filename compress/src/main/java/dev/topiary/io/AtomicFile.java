package dev.topiary.io;

import dev.topiary.TopiaryException;
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
 * Files that appear complete or not at all: written under a hidden temporary name beside the target, then
 * renamed. The temporary file is created as any new file is (the umask decides its mode), so what is written gets
 * the same permissions as the weights and everything else in the directory, not the owner-only mode of
 * {@link Files#createTempFile}.
 */
public final class AtomicFile {

    private AtomicFile() {}

    /**
     * Checks, before any work, that a new file may be written at {@code file}: nothing is there, or
     * {@code overwrite} forces replacing a regular file. A directory, a link to nothing, or a path under a file is
     * always refused.
     *
     * @throws TopiaryException naming the path and what to do
     */
    public static void checkTarget(Path file, String what, Overwrite overwrite) {
        Path target = file.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(target) && !Files.exists(target)) {
            throw new TopiaryException("cannot write the " + what + " to " + file + ": it is a link to nothing;"
                    + " remove the link or choose a new path");
        }
        if (!Files.exists(target)) {
            IoErrors.fileAmongParents(target).ifPresent(parent -> {
                throw new TopiaryException("cannot write the " + what + " to " + file + ": " + parent
                        + " is a file, not a directory; choose a path inside a directory");
            });
            return;
        }
        if (!Files.isRegularFile(target)) {
            throw new TopiaryException("cannot write the " + what + " to " + file + ": it exists and is not a regular"
                    + " file; choose a new path");
        }
        if (overwrite != Overwrite.FORCE) {
            throw new TopiaryException("cannot write the " + what + " to " + file + ": the file exists; choose a new"
                    + " path, or replace it with --force (Overwrite.FORCE)");
        }
    }

    /** What writes a file's bytes. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code text} (UTF-8) to {@code file}, creating its directory and replacing any file there. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Writes what {@code body} writes to {@code file}, creating its directory and replacing any file there; when
     * {@code body} fails, the file is as it was and no temporary file is left.
     */
    public static void write(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                body.writeTo(out);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
