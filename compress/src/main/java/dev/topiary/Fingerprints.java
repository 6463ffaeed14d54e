package dev.topiary;

import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Sha256#of} fingerprints, remembered for the process while every file keeps its size and modification time:
 * a recipe that names the same data in many steps, or a text tokenized again, reads the bytes once.
 */
final class Fingerprints {

    /** What tells one version of a file from another without reading it. */
    private record Stamp(Path file, long size, FileTime modified) {}

    private static final Map<List<Stamp>, String> KNOWN = new ConcurrentHashMap<>();

    private Fingerprints() {}

    /**
     * {@link Sha256#of} these files, from memory when none has changed since it was last computed.
     *
     * @throws TopiaryException when a file cannot be read
     */
    static String of(List<Path> files) {
        List<Stamp> stamps = files.stream().map(f -> stamp(f, files)).toList();
        return KNOWN.computeIfAbsent(stamps, s -> Sha256.of(files));
    }

    private static Stamp stamp(Path file, List<Path> files) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(file.toAbsolutePath().normalize(), a.size(), a.lastModifiedTime());
        } catch (IOException e) {
            throw new TopiaryException("cannot read " + files + " to fingerprint it: " + IoErrors.describe(e), e);
        }
    }
}
