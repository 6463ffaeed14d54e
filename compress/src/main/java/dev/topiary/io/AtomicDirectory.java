package dev.topiary.io;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a directory all at once: its contents are built under a hidden temporary sibling and renamed onto the
 * real name only when complete, so a failure or crash never leaves a half-written directory there.
 *
 * <p>Topiary replaces only what it made. Each directory written here gets an {@link OutputManifest} of its files; a
 * directory already at the target is replaced only when its manifest says Topiary wrote it (or it is empty, or the
 * caller forces it, {@link Overwrite#FORCE}). Files in it that the manifest does not list (the user's) are carried
 * into the new directory, never deleted; one whose name the new contents also use is refused, unless the two are
 * byte-identical.
 */
public final class AtomicDirectory {

    private static final System.Logger LOG = System.getLogger(AtomicDirectory.class.getName());
    private static final int LISTED_ENTRIES = 4;

    private AtomicDirectory() {}

    /** Fills a fresh, empty directory. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path directory) throws IOException;
    }

    /**
     * Builds {@code dir} from {@code contents}.
     *
     * @param what names the directory's kind in messages and in its manifest ("model", "training state")
     * @param overwrite what may happen to a directory already there
     * @throws TopiaryException when the target is not Topiary's to replace, or cannot be written; then nothing at the
     *     target has changed
     */
    public static void write(Path dir, String what, Overwrite overwrite, Contents contents) {
        Path target = dir.toAbsolutePath().normalize();
        Path tmp = null;
        boolean done = false;
        try {
            if (Files.exists(target)) {
                // Build beside the real directory (not beside a symlink to it), so the final rename stays on one
                // file system and the link keeps pointing at the new contents.
                target = target.toRealPath();
            }
            Set<String> owned = replaceable(dir, target, what, overwrite);
            Path parent = target.getParent();
            if (parent == null) {
                throw new TopiaryException("cannot write the " + what + " to the file system root " + dir);
            }
            Files.createDirectories(parent);
            tmp = createSibling(target, ".tmp-");
            contents.writeInto(tmp);
            OutputManifest.record(tmp, what);
            if (Files.isDirectory(target)) {
                carryOver(dir, target, tmp, owned, what);
            }
            replace(target, tmp);
            done = true;
        } catch (IOException e) {
            throw new TopiaryException("cannot write the " + what + " to " + dir + ": " + IoErrors.describe(e), e);
        } finally {
            if (!done && tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Checks, before any work, that {@link #write} may write {@code dir}: it does not exist, is empty, is a directory
     * Topiary wrote, or {@code overwrite} forces it. Commands call it first so that a long computation does not end
     * in a refusal.
     *
     * @throws TopiaryException naming the path and what to do when the write would be refused
     */
    public static void checkTarget(Path dir, String what, Overwrite overwrite) {
        try {
            Path target = dir.toAbsolutePath().normalize();
            replaceable(dir, Files.exists(target) ? target.toRealPath() : target, what, overwrite);
        } catch (IOException e) {
            throw new TopiaryException("cannot write the " + what + " to " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    /**
     * The files at {@code target} that a new write may replace: none when nothing is there, those its manifest lists
     * when Topiary wrote it. A directory without one is refused unless it is empty or the write is forced; then none
     * of its files may be replaced. Anything but a directory is refused.
     */
    private static Set<String> replaceable(Path dir, Path target, String what, Overwrite overwrite)
            throws IOException {
        if (Files.isSymbolicLink(target) && !Files.exists(target)) {
            throw new TopiaryException("cannot write the " + what + " to " + dir + ": it is a link to "
                    + Files.readSymbolicLink(target) + ", which does not exist; remove the link or choose a new path");
        }
        if (!Files.exists(target)) {
            var file = IoErrors.fileAmongParents(target);
            if (file.isPresent()) {
                throw new TopiaryException("cannot write the " + what + " to " + dir + ": " + file.get()
                        + " is a file, not a directory; choose a path inside a directory");
            }
            return Set.of();
        }
        if (!Files.isDirectory(target)) {
            throw new TopiaryException("cannot write the " + what + " to " + dir
                    + ": it exists and is not a directory; choose a new path");
        }
        var manifest = OutputManifest.read(target);
        if (manifest.isPresent()) {
            return manifest.get().files();
        }
        List<String> entries;
        try (Stream<Path> list = Files.list(target)) {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (!entries.isEmpty() && overwrite != Overwrite.FORCE) {
            String shown = String.join(", ", entries.subList(0, Math.min(LISTED_ENTRIES, entries.size())))
                    + (entries.size() > LISTED_ENTRIES ? ", ..." : "");
            throw new TopiaryException("cannot write the " + what + " to " + dir + ": the directory exists and"
                    + " Topiary did not write it (it holds " + shown + "); choose a new path, or force it (--force,"
                    + " Overwrite.FORCE), which writes beside those files and keeps them all");
        }
        return Set.of();
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

    // Carries every file of the old directory that Topiary did not write into the new one: hard links where
    // possible (the old directory is deleted right after, so nothing ends up shared). A file whose name the new
    // contents took is refused unless identical, since replacing it would lose it.
    private static void carryOver(Path dir, Path from, Path to, Set<String> owned, String what) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                String name = OutputManifest.relative(from, source);
                if (name.isEmpty() || name.equals(OutputManifest.FILE_NAME) || owned.contains(name)) {
                    continue;
                }
                Path dest = to.resolve(name);
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
                        throw collision(dir, name, what);
                    }
                    Files.createDirectories(dest);
                } else if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    if (!sameFile(source, dest)) {
                        throw collision(dir, name, what);
                    }
                } else {
                    Files.createDirectories(dest.getParent());
                    if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
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
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        return Files.isRegularFile(a, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(b, LinkOption.NOFOLLOW_LINKS)
                && Files.mismatch(a, b) == -1;
    }

    private static TopiaryException collision(Path dir, String name, String what) {
        return new TopiaryException("cannot write the " + what + " to " + dir + ": " + name + " there was not written"
                + " by Topiary, and the " + what + " has a file of that name; move it away or choose a new path");
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
