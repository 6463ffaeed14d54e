package dev.topiary.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * File-system failures said in words, for one-line error messages: "/out/config.json: already exists" rather than
 * {@code java.nio.file.FileAlreadyExistsException: /out/config.json}.
 */
public final class IoErrors {

    private IoErrors() {}

    /**
     * What went wrong, naming the file (and the other file of a move or link) where the exception knows it, e.g.
     * {@code /data/a.jsonl: no such file or directory}, {@code /x: permission denied}, {@code not valid UTF-8}.
     */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException fs) {
            String files = fs.getFile() == null ? "" : fs.getOtherFile() == null ? fs.getFile()
                    : fs.getFile() + " -> " + fs.getOtherFile();
            String what = fs.getReason() != null ? lowerFirst(fs.getReason()) : words(fs);
            return files.isEmpty() ? what : files + ": " + what;
        }
        if (e instanceof CharacterCodingException) {
            return "not valid UTF-8 text";
        }
        if (e instanceof EOFException) {
            return e.getMessage() == null ? "the file ends early" : "the file ends early (" + e.getMessage() + ")";
        }
        // The operating system's own words, e.g. "Is a directory" from reading one.
        return e.getMessage() != null && !e.getMessage().isBlank() ? lowerFirst(e.getMessage()) : "input/output error";
    }

    /**
     * Why {@code path} is not a regular file, as a phrase: "is a directory", "is a link to TARGET, which does not
     * exist", "is missing", or "is not a regular file" (a device, a socket, a pipe).
     */
    public static String whyNotARegularFile(Path path) {
        if (Files.isDirectory(path)) {
            return "is a directory";
        }
        if (Files.isSymbolicLink(path) && !Files.exists(path)) {
            try {
                return "is a link to " + Files.readSymbolicLink(path) + ", which does not exist";
            } catch (IOException e) {
                return "is a link to a missing file";
            }
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return "is missing";
        }
        return Files.isRegularFile(path) ? "is a regular file" : "is not a regular file";
    }

    /**
     * The nearest existing ancestor of {@code path} when it is a file rather than a directory, so that nothing can be
     * created at {@code path}; empty otherwise.
     */
    public static Optional<Path> fileAmongParents(Path path) {
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                return Files.isDirectory(p) ? Optional.empty() : Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static String words(FileSystemException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof NotLinkException) {
            return "not a symbolic link";
        }
        if (e instanceof FileSystemLoopException) {
            return "symbolic links loop";
        }
        return "file system error";
    }

    private static String lowerFirst(String reason) {
        return reason.isEmpty() ? reason : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }
}
