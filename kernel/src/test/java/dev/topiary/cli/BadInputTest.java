package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.data.BpeModel;
import dev.topiary.io.FileTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way of feeding the command line bad input, in one table: each case runs the real command line in-process
 * in a directory of its own, and must exit 1 with exactly one line on stderr that says what was wrong, while every
 * file that was there before (the case's own and the shared model's) stays byte-identical. New commands join the
 * table.
 */
class BadInputTest {

    @TempDir
    static Path root;
    static Path model;

    /** Prepares a case's directory; returns nothing, the files it makes are the ones that must survive. */
    @FunctionalInterface
    interface Setup {
        void in(Path dir) throws IOException;
    }

    /** A command line to run in {@code dir}, the words its one-line error must contain, and what to make first. */
    record Case(String name, Setup setup, String expected, ArgsIn args) {}

    /** The arguments, given the case's directory. */
    @FunctionalInterface
    interface ArgsIn {
        String[] in(Path dir);
    }

    @BeforeAll
    static void writeModel() throws IOException {
        model = root.resolve("model");
        CommandRun init = CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "32", "--ffn",
                "112", "--vocab", "258", "--seed", "5", "--output", model.toString());
        assertEquals(0, init.code(), init.err());
        BpeModel.bytesOnly().write(model.resolve("tokenizer.json"));
    }

    /** A user's project: notes, a prepared dataset, earlier results; none of it Topiary's to remove. */
    static void userProject(Path dir) throws IOException {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("notes.txt"), "my notes");
        Files.write(project.resolve("train.bin"), new byte[] {1, 2, 3, 4});
        Files.write(project.resolve("train.idx"), new byte[] {'M', 'M', 'I', 'D'});
        Files.createDirectories(project.resolve("runs"));
        Files.writeString(project.resolve("runs/results.csv"), "model,val_loss\nmine,4.2\n");
    }

    static final String NOTEBOOK = """
            {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "System.out.println(1);"}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """;

    static List<Case> cases() {
        String foreign = "the directory exists and Topiary did not write it (it holds notes.txt, runs, train.bin,"
                + " train.idx); choose a new path, or force it (--force";
        List<Case> cases = new ArrayList<>();
        // Outputs that are a user's directory: refused before any work, nothing removed.
        cases.add(new Case("init into a user's directory", BadInputTest::userProject, foreign,
                d -> new String[] {"init", "--preset", "tiny", "--layers", "1", "--output", s(d, "project")}));
        cases.add(new Case("quantize into a user's directory", BadInputTest::userProject, foreign,
                d -> new String[] {"quantize", "--model", model.toString(), "--precision", "INT8", "--output",
                    s(d, "project")}));
        cases.add(new Case("prune into a user's directory", BadInputTest::userProject, foreign,
                d -> new String[] {"prune", "--model", model.toString(), "--data", s(d, "project/train"), "--ffn",
                    "56", "--output", s(d, "project")}));
        cases.add(new Case("distill into a user's directory", BadInputTest::userProject, foreign,
                d -> new String[] {"distill", "--student", model.toString(), "--teacher", model.toString(),
                    "--data", s(d, "project/train"), "--tokens", "4096", "--output", s(d, "project")}));
        cases.add(new Case("a forced write never replaces a user's file", d -> {
            userProject(d);
            Files.writeString(d.resolve("project/config.json"), "{\"mine\": true}");
        }, "config.json there was not written by Topiary, and the checkpoint has a file of that name; move it away",
                d -> new String[] {"init", "--preset", "tiny", "--layers", "1", "--force", "--output",
                    s(d, "project")}));
        cases.add(new Case("an output that is a file", d -> Files.writeString(d.resolve("file"), "mine"),
                "it exists and is not a directory; choose a new path",
                d -> new String[] {"quantize", "--model", model.toString(), "--precision", "INT8", "--output",
                    s(d, "file")}));
        cases.add(new Case("an output inside a file", d -> Files.writeString(d.resolve("file"), "mine"),
                "is a file, not a directory",
                d -> new String[] {"init", "--preset", "tiny", "--layers", "1", "--output", s(d, "file/model")}));
        cases.add(new Case("an output that is a dangling link",
                d -> Files.createSymbolicLink(d.resolve("link"), d.resolve("gone")),
                "which does not exist; remove the link or choose a new path",
                d -> new String[] {"init", "--preset", "tiny", "--layers", "1", "--output",
                    s(d, "link")}));
        // The notebook runner's output, checked before any cell runs.
        cases.add(new Case("run --out that is a directory", d -> {
            Files.writeString(d.resolve("nb.ipynb"), NOTEBOOK);
            Files.createDirectories(d.resolve("out"));
        }, "is a directory; give the executed notebook's file name",
                d -> new String[] {"run", s(d, "nb.ipynb"), "--out", s(d, "out")}));
        cases.add(new Case("run --out onto a user's notebook", d -> {
            Files.writeString(d.resolve("nb.ipynb"), NOTEBOOK);
            Files.writeString(d.resolve("mine.ipynb"), NOTEBOOK);
        }, "exists and is not a notebook that topiary run wrote; choose another --out",
                d -> new String[] {"run", s(d, "nb.ipynb"), "--out", s(d, "mine.ipynb")}));
        cases.add(new Case("run --out onto its own source notebook", d -> Files.writeString(d.resolve("nb.ipynb"),
                NOTEBOOK), "exists and is not a notebook that topiary run wrote",
                d -> new String[] {"run", s(d, "nb.ipynb"), "--out", s(d, "nb.ipynb")}));
        // The kernelspec.
        cases.add(new Case("install --prefix that is a file", d -> {
            Files.writeString(d.resolve("prefix"), "mine");
            Files.writeString(d.resolve("topiary.jar"), "jar");
        }, "prefix is a file, not a directory",
                d -> new String[] {"install", "--prefix", s(d, "prefix"), "--jar", s(d, "topiary.jar")}));
        cases.add(new Case("install over a kernel Topiary did not write", d -> {
            Path other = Files.createDirectories(d.resolve("prefix/share/jupyter/kernels/topiary"));
            Files.writeString(other.resolve("kernel.json"), "{\"argv\": [\"other\"]}");
            Files.writeString(d.resolve("topiary.jar"), "jar");
        }, "the directory exists and Topiary did not write it (it holds kernel.json)",
                d -> new String[] {"install", "--prefix", s(d, "prefix"), "--jar", s(d, "topiary.jar")}));
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> everyCaseIsOneLineAndChangesNothing() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path dir = Files.createDirectories(root.resolve(c.name().replaceAll("[^A-Za-z0-9]+", "-")));
            c.setup().in(dir);
            Map<String, String> before = FileTree.snapshot(dir);
            Map<String, String> modelBefore = FileTree.snapshot(model);
            CommandRun r = CommandRun.run(c.args().in(dir));
            assertEquals(1, r.code(), c.name() + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("topiary ") && r.err().contains(": error: "), r.err());
            assertTrue(r.err().contains(c.expected()), "expected '" + c.expected() + "' in: " + r.err());
            assertEquals(before, FileTree.snapshot(dir), c.name() + ": the files there are unchanged");
            assertEquals(modelBefore, FileTree.snapshot(model), c.name() + ": the model read is unchanged");
        }));
    }

    @TestFactory
    Stream<DynamicTest> withVerboseTheSameErrorAlsoPrintsItsTrace() {
        return Stream.of("--verbose", "").map(flag -> DynamicTest.dynamicTest("flag '" + flag + "'", () -> {
            Path dir = Files.createDirectories(root.resolve("verbose" + flag));
            userProject(dir);
            List<String> args = new ArrayList<>(List.of("init", "--preset", "tiny", "--output", s(dir, "project")));
            if (!flag.isEmpty()) {
                args.add(flag);
            }
            CommandRun r = CommandRun.run(args.toArray(String[]::new));
            assertEquals(1, r.code());
            List<String> lines = r.err().strip().lines().toList();
            assertTrue(lines.get(0).startsWith("topiary init: error: cannot write the checkpoint to "), r.err());
            if (flag.isEmpty()) {
                assertEquals(1, lines.size(), r.err());
            } else {
                assertTrue(lines.size() > 2 && lines.get(1).startsWith("dev.topiary.TopiaryException: ")
                        && lines.get(2).strip().startsWith("at dev.topiary."), r.err());
            }
        }));
    }

    private static String s(Path dir, String relative) {
        return dir.resolve(relative).toString();
    }
}
