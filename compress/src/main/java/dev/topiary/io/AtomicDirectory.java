package dev.topiary.io;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes a directory all at once: its contents are built under a hidden temporary sibling and renamed onto the
 * real name only when complete, so a failure or crash never leaves a half-written directory there. An existing
 * directory is replaced whole (moved aside, then deleted once the new one is in place).
 */
public final class AtomicDirectory {

    private static final System.Logger LOG = System.getLogger(AtomicDirectory.class.getName());

    private AtomicDirectory() {}

    /** Fills a fresh, empty directory. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path directory) throws IOException;
    }

    /**
     * Builds {@code dir} from {@code contents}. Files of a directory already there are carried into the new one
     * unless {@code replaced} says the new contents supersede them (a tokenizer stays beside new weights).
     *
     * @param what names the directory's kind in error messages ("checkpoint", "training state")
     * @throws TopiaryException when the directory cannot be written
     */
    public static void write(Path dir, String what, Predicate<String> replaced, Contents contents) {
        Path target = dir.toAbsolutePath().normalize();
        Path tmp = null;
        boolean done = false;
        try {
            if (Files.exists(target)) {
                if (!Files.isDirectory(target)) {
                    throw new TopiaryException("cannot write a " + what + " to " + dir
                            + ": it exists and is not a directory");
                }
                // Build beside the real directory (not beside a symlink to it), so the final rename stays on one
                // file system and the link keeps pointing at the new contents.
                target = target.toRealPath();
            }
            Path parent = target.getParent();
            if (parent == null) {
                throw new TopiaryException("cannot write a " + what + " to the file system root " + dir);
            }
            Files.createDirectories(parent);
            tmp = createSibling(target, ".tmp-");
            contents.writeInto(tmp);
            if (Files.isDirectory(target)) {
                carryOver(target, tmp, replaced);
            }
            replace(target, tmp);
            done = true;
        } catch (IOException e) {
            throw new TopiaryException("cannot write " + what + " to " + dir + ": " + e, e);
        } finally {
            if (!done && tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    // A fresh hidden sibling, ".NAME<kind><random>", created with the default permissions the final directory needs.
    private static Path createSibling(Path target, String kind) throws IOException {
        while (true) {
            Path p = target.resolveSibling("." + target.getFileName() + kind
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                // Try another name.
            }
        }
    }

    // Copies what the old directory holds and the new one supersedes not; hard links where possible (the old
    // directory is deleted right after, so nothing ends up shared).
    private static void carryOver(Path from, Path to, Predicate<String> replaced) throws IOException {
        try (Stream<Path> entries = Files.list(from)) {
            for (Path source : (Iterable<Path>) entries::iterator) {
                String name = source.getFileName().toString();
                Path dest = to.resolve(name);
                if (replaced.test(name) || Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(dest);
                    carryOver(source, dest, replaced);
                } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.createLink(dest, source);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(source, dest, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } else {
                    Files.copy(source, dest, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    // Puts the complete new directory at target; the old one, if any, is moved aside first and restored on failure.
    private static void replace(Path target, Path fresh) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            SafetensorsWriter.moveIntoPlace(fresh, target);
            return;
        }
        Path old = target.resolveSibling("." + target.getFileName() + ".old-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        try {
            deleteRecursively(old);
        } catch (IOException e) {
            // The new contents are in place; a leftover copy of the old ones is only wasted disk.
            LOG.log(System.Logger.Level.WARNING, "could not delete the replaced " + old + ": " + e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException ignored) {
            // Already failing with a more useful error.
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> entries = Files.list(path)) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    deleteRecursively(p);
                }
            }
        }
        Files.deleteIfExists(path);
    }
}
