package dev.topiary.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test utility: every entry under a directory with its contents, to prove that nothing there changed. */
public final class FileTree {

    private FileTree() {}

    /**
     * Relative path to contents: a file's bytes (as text when short and printable, else hex), a link's target, or
     * {@code ""} for a directory (its name ending in {@code /}).
     */
    public static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    all.put(name, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    all.put(name, HexFormat.of().formatHex(Files.readAllBytes(p)));
                } else {
                    all.put(name + "/", "");
                }
            }
        }
        return all;
    }
}
