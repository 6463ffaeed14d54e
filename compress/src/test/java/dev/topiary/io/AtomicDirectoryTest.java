package dev.topiary.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topiary replaces only what it wrote: the manifest, foreign directories, forced writes and collisions. */
class AtomicDirectoryTest {

    @TempDir
    Path root;

    private static AtomicDirectory.Contents files(String... namesAndTexts) {
        return dir -> {
            for (int i = 0; i < namesAndTexts.length; i += 2) {
                Path f = dir.resolve(namesAndTexts[i]);
                Files.createDirectories(f.getParent());
                Files.writeString(f, namesAndTexts[i + 1]);
            }
        };
    }

    private Path userProject() throws IOException {
        Path project = Files.createDirectories(root.resolve("project"));
        Files.writeString(project.resolve("notes.txt"), "my notes");
        Files.writeString(project.resolve("train.bin"), "tokens");
        Files.writeString(project.resolve("train.idx"), "index");
        Files.createDirectories(project.resolve("runs"));
        Files.writeString(project.resolve("runs/results.csv"), "model,loss\n");
        return project;
    }

    @Test
    void aDirectoryTopiaryDidNotWriteIsRefusedAndLeftAsItWas() throws IOException {
        Path project = userProject();
        Map<String, String> before = FileTree.snapshot(project);
        TopiaryException e = assertThrows(TopiaryException.class, () -> AtomicDirectory.write(project, "model",
                Overwrite.TOPIARY_OUTPUT, files("config.json", "{}")));
        assertEquals("cannot write the model to " + project + ": the directory exists and Topiary did not write it"
                + " (it holds notes.txt, runs, train.bin, train.idx); choose a new path, or force it (--force,"
                + " Overwrite.FORCE), which writes beside those files and keeps them all", e.getMessage());
        assertEquals(before, FileTree.snapshot(project));
        assertEquals(Set.of("project"), names(root), "no temporary directory left behind");
    }

    @Test
    void forcedWritesGoBesideTheUsersFilesAndLaterWritesReplaceOnlyTopiarysOwn() throws IOException {
        Path project = userProject();
        Map<String, String> users = FileTree.snapshot(project);
        AtomicDirectory.write(project, "model", Overwrite.FORCE, files("config.json", "v1", "shards/a", "a1",
                "shards/b", "b1"));
        Map<String, String> after = FileTree.snapshot(project);
        assertTrue(after.entrySet().containsAll(users.entrySet()), "every user file is there, unchanged");
        assertEquals("v1", Files.readString(project.resolve("config.json")));
        assertEquals(Set.of("config.json", "shards/a", "shards/b"), OutputManifest.read(project).orElseThrow().files());

        // Now the directory is Topiary's: a plain write replaces its files (dropping the stale shard b) and keeps
        // the user's, including one added into Topiary's own subdirectory.
        Files.writeString(project.resolve("shards/mine.txt"), "added later");
        AtomicDirectory.write(project, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "v2", "shards/a", "a2"));
        Map<String, String> now = FileTree.snapshot(project);
        assertTrue(now.entrySet().containsAll(users.entrySet()), "every user file is still there, unchanged");
        assertEquals(Set.of("config.json", "shards/", "shards/a", "shards/mine.txt", OutputManifest.FILE_NAME),
                Set.copyOf(now.keySet().stream().filter(k -> !users.containsKey(k)).toList()));
        assertEquals("v2", Files.readString(project.resolve("config.json")));
        assertEquals("a2", Files.readString(project.resolve("shards/a")));
        assertEquals("added later", Files.readString(project.resolve("shards/mine.txt")));
        assertEquals(Set.of("project"), names(root), "old copy and temporary directory are gone");
    }

    @Test
    void aUserFileWithTheNameOfANewOneIsNeverReplacedEvenWhenForced() throws IOException {
        Path project = userProject();
        Files.writeString(project.resolve("config.json"), "the user's config");
        Map<String, String> before = FileTree.snapshot(project);
        TopiaryException e = assertThrows(TopiaryException.class, () -> AtomicDirectory.write(project, "model",
                Overwrite.FORCE, files("config.json", "{}", "model.safetensors", "w")));
        assertEquals("cannot write the model to " + project + ": config.json there was not written by Topiary, and"
                + " the model has a file of that name; move it away or choose a new path", e.getMessage());
        assertEquals(before, FileTree.snapshot(project));
        assertEquals(Set.of("project"), names(root));
    }

    @Test
    void aUserFileIdenticalToTheNewOneIsKept() throws IOException {
        Path model = root.resolve("model");
        AtomicDirectory.write(model, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "{}"));
        Files.writeString(model.resolve("tokenizer.json"), "tok");
        // Saving a loaded model back where it came from copies the same tokenizer in.
        AtomicDirectory.write(model, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "{}",
                "tokenizer.json", "tok"));
        assertEquals("tok", Files.readString(model.resolve("tokenizer.json")));
    }

    @Test
    void emptyDirectoriesAndNewPathsAreWritten() throws IOException {
        Path empty = Files.createDirectories(root.resolve("empty"));
        AtomicDirectory.write(empty, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "{}"));
        assertEquals(Set.of("config.json", OutputManifest.FILE_NAME), names(empty));
        Path fresh = root.resolve("a/b/fresh");
        AtomicDirectory.write(fresh, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "{}"));
        assertEquals("model", OutputManifest.read(fresh).orElseThrow().what());
    }

    @Test
    void aManifestThatTopiaryDidNotWriteMakesTheDirectoryTheUsers() throws IOException {
        Path dir = Files.createDirectories(root.resolve("dir"));
        Files.writeString(dir.resolve("weights.bin"), "w");
        for (String manifest : new String[] {"not json", "{\"written_by\": \"someone\", \"files\": [\"weights.bin\"]}",
            "{\"written_by\": \"topiary\"}"}) {
            Files.writeString(dir.resolve(OutputManifest.FILE_NAME), manifest);
            assertFalse(OutputManifest.read(dir).isPresent(), manifest);
            assertThrows(TopiaryException.class, () -> AtomicDirectory.write(dir, "model", Overwrite.TOPIARY_OUTPUT,
                    files("config.json", "{}")), manifest);
            assertEquals("w", Files.readString(dir.resolve("weights.bin")));
        }
    }

    @Test
    void filesAndDanglingLinksAreRefusedUntouched() throws IOException {
        Path file = Files.writeString(root.resolve("file"), "mine");
        TopiaryException e = assertThrows(TopiaryException.class, () -> AtomicDirectory.write(file, "model",
                Overwrite.FORCE, files("config.json", "{}")));
        assertEquals("cannot write the model to " + file + ": it exists and is not a directory; choose a new path",
                e.getMessage());
        assertEquals("mine", Files.readString(file));

        Path link = Files.createSymbolicLink(root.resolve("link"), root.resolve("gone"));
        e = assertThrows(TopiaryException.class, () -> AtomicDirectory.write(link, "model", Overwrite.FORCE,
                files("config.json", "{}")));
        assertTrue(e.getMessage().contains("is a link to " + root.resolve("gone") + ", which does not exist"),
                e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Set.of("file", "link"), names(root));
    }

    @Test
    void aLinkToATopiaryDirectoryKeepsPointingAtTheNewContents() throws IOException {
        Path real = root.resolve("real");
        AtomicDirectory.write(real, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "v1"));
        Path link = Files.createSymbolicLink(root.resolve("link"), real);
        AtomicDirectory.write(link, "model", Overwrite.TOPIARY_OUTPUT, files("config.json", "v2"));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("v2", Files.readString(real.resolve("config.json")));
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
