package dev.topiary.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The marker by which Topiary recognises a directory it wrote: a hidden {@value #FILE_NAME} listing, relative to the
 * directory, every file Topiary put there. Those files, and only those, may be replaced by a later write.
 */
public final class OutputManifest {

    /** The manifest's name inside a directory Topiary wrote. */
    public static final String FILE_NAME = ".topiary-output.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITER = "topiary";

    private final String what;
    private final Set<String> files;

    private OutputManifest(String what, Set<String> files) {
        this.what = what;
        this.files = files;
    }

    /** What was written there ("model", "kernelspec", ...). */
    public String what() {
        return what;
    }

    /** The files Topiary wrote, as relative paths with {@code /} separators, sorted. */
    public Set<String> files() {
        return files;
    }

    /**
     * The manifest of {@code dir}, empty when there is none or it is not one Topiary wrote (unreadable, malformed,
     * another writer): such a directory counts as the user's.
     */
    public static Optional<OutputManifest> read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            JsonNode list = root.path("files");
            if (!WRITER.equals(root.path("written_by").asText()) || !list.isArray()) {
                return Optional.empty();
            }
            Set<String> files = new TreeSet<>();
            list.forEach(f -> files.add(f.asText()));
            return Optional.of(new OutputManifest(root.path("what").asText(""), files));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Lists every file and link under {@code dir} (the manifest itself excepted) and records them in it. */
    static void record(Path dir, String what) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("written_by", WRITER);
        root.put("what", what);
        var list = root.putArray("files");
        listFiles(dir).forEach(list::add);
        Files.writeString(dir.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root)
                + "\n", StandardCharsets.UTF_8);
    }

    /** Every file and link under {@code dir} (not the directories themselves, nor the manifest), sorted. */
    static Set<String> listFiles(Path dir) throws IOException {
        Set<String> files = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    String name = relative(dir, p);
                    if (!name.equals(FILE_NAME)) {
                        files.add(name);
                    }
                }
            }
        }
        return files;
    }

    static String relative(Path dir, Path p) {
        return dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }
}
