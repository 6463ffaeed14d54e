package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.io.FileTree;
import dev.topiary.io.OutputManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the command line may write over: forced writes beside a user's files, and Topiary's own outputs replaced. */
class OutputDirectoryTest {

    @TempDir
    static Path root;

    @BeforeAll
    static void writeModel() throws IOException {
        assertEquals(0, CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "32", "--ffn", "112",
                "--vocab", "258", "--output", root.resolve("model").toString()).code());
    }

    @Test
    void aForcedModelGoesBesideTheUsersFilesAndIsReplacedLaterWithoutThem() throws IOException {
        BadInputTest.userProject(root);
        Path project = root.resolve("project");
        Map<String, String> users = FileTree.snapshot(project);
        String model = root.resolve("model").toString();

        CommandRun forced = CommandRun.run("quantize", "--model", model, "--precision", "INT8", "--output",
                project.toString(), "--force");
        assertEquals(0, forced.code(), forced.err());
        assertTrue(FileTree.snapshot(project).entrySet().containsAll(users.entrySet()), "user files unchanged");
        assertEquals(Set.of("config.json", "model.safetensors", "recipe.json"),
                OutputManifest.read(project).orElseThrow().files());
        assertEquals(0, CommandRun.run("logits", "--model", project.toString(), "--ids", "1,2").code());

        // Topiary's now: a plain write replaces its files and still keeps every one of the user's.
        CommandRun again = CommandRun.run("quantize", "--model", model, "--precision", "INT4", "--group-size", "16",
                "--output", project.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(FileTree.snapshot(project).entrySet().containsAll(users.entrySet()), "user files unchanged");
        assertTrue(Files.readString(project.resolve("config.json")).contains("\"int4\""),
                "the INT4 model replaced the INT8 one");
    }

    @Test
    void aNotebookRunReplacesWhatAnEarlierRunWrote() throws IOException {
        Path nb = Files.writeString(root.resolve("nb.ipynb"), BadInputTest.NOTEBOOK);
        Path out = root.resolve("runs/nb.executed.ipynb");
        assertEquals(0, CommandRun.run("run", nb.toString(), "--out", out.toString()).code());
        CommandRun again = CommandRun.run("run", nb.toString(), "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        // And an executed notebook may be executed again in place.
        CommandRun inPlace = CommandRun.run("run", out.toString(), "--out", out.toString());
        assertEquals(0, inPlace.code(), inPlace.err());
    }
}
