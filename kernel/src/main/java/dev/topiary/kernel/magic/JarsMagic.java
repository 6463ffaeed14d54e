package dev.topiary.kernel.magic;

import dev.topiary.io.IoErrors;
import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code %jars PATH...}: puts jars and class directories on the session's class path (globs allowed) and installs
 * the kernel libraries they bring.
 */
public final class JarsMagic implements Magic {

    @Override
    public String name() {
        return "jars";
    }

    @Override
    public String help() {
        return "%jars PATH...: add jars or class directories (globs like lib/*.jar allowed) to the class path";
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        if (arguments.isBlank()) {
            return CellResult.failed("MagicError", "%jars needs at least one path: %jars lib/*.jar");
        }
        List<Path> paths = new ArrayList<>();
        for (String argument : arguments.trim().split("\\s+")) {
            try {
                List<Path> matched = expand(argument);
                if (matched.isEmpty()) {
                    return CellResult.failed("MagicError", "%jars: nothing at " + argument + " (resolved from "
                            + Path.of("").toAbsolutePath() + ")");
                }
                paths.addAll(matched);
            } catch (IOException e) {
                return CellResult.failed("MagicError", "%jars: cannot read " + argument + ": " + IoErrors.describe(e));
            }
        }
        for (Path path : paths) {
            session.addToClasspath(path.toAbsolutePath().toString());
            output.stream("stdout", "added " + path.toAbsolutePath() + "\n");
        }
        return Magic.installNewLibraries(session, output);
    }

    /** The files a path names: itself if it exists, or what its file-name glob matches in its directory. */
    static List<Path> expand(String argument) throws IOException {
        Path path = Path.of(argument);
        if (Files.exists(path)) {
            return List.of(path);
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        Path directory = path.getParent() == null ? Path.of("") : path.getParent();
        if (!name.contains("*") && !name.contains("?") || !Files.isDirectory(directory.toAbsolutePath())) {
            return List.of();
        }
        List<Path> matched = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory.toAbsolutePath(), name)) {
            entries.forEach(matched::add);
        }
        matched.sort(null);
        return matched;
    }
}
