package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.data.BpeModel;
import dev.topiary.io.FileTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;
    static Path model;

    /** Makes what a case needs in its own directory (all of which must survive) and returns its command line. */
    @FunctionalInterface
    interface Setup {
        String[] args(Path dir) throws IOException;
    }

    /** A case: its name, its files and command line, and the words its one-line error must contain. */
    record Case(String name, Setup setup, String expected) {}

    @BeforeAll
    static void writeModel() throws IOException {
        model = root.resolve("model");
        CommandRun init = CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "32", "--ffn",
                "112", "--vocab", "258", "--seed", "5", "--output", model.toString());
        assertEquals(0, init.code(), init.err());
        BpeModel.bytesOnly().write(model.resolve("tokenizer.json"));
    }

    /** A user's project: notes, a prepared dataset, earlier results; none of it Topiary's to remove. */
    static Path userProject(Path dir) throws IOException {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("notes.txt"), "my notes");
        Files.write(project.resolve("train.bin"), new byte[] {1, 2, 3, 4});
        Files.write(project.resolve("train.idx"), new byte[] {'M', 'M', 'I', 'D'});
        Files.createDirectories(project.resolve("runs"));
        Files.writeString(project.resolve("runs/results.csv"), "model,val_loss\nmine,4.2\n");
        return project;
    }

    /** A notebook with a parameters cell. */
    private static final String PARAMETERS_NOTEBOOK = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
             {"id": "p", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": null,
              "outputs": [], "source": ["int steps = 3;  // how long\\n", "String name = \\"a; b\\";\\n",
              "var lr = 3e-4, warmup = 10;"]},
             {"id": "c", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "System.out.println(name + steps);"}
            ]}
            """;

    /** A notebook of one cell. */
    static final String NOTEBOOK = """
            {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "System.out.println(1);"}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """;

    static List<Case> cases() {
        String foreign = "the directory exists and Topiary did not write it (it holds notes.txt, runs, train.bin,"
                + " train.idx); choose a new path, or force it (--force";
        return List.of(
                // Outputs that are a user's directory: refused before any work, nothing removed.
                new Case("init into a user's directory", d -> args(userProject(d), "init", "--preset", "tiny",
                        "--layers", "1", "--output", s(d, "project")), foreign),
                new Case("quantize into a user's directory", d -> args(userProject(d), "quantize", "--model",
                        model.toString(), "--precision", "INT8", "--output", s(d, "project")), foreign),
                new Case("prune into a user's directory", d -> args(userProject(d), "prune", "--model",
                        model.toString(), "--data", s(d, "project/train"), "--ffn", "56", "--output",
                        s(d, "project")), foreign),
                new Case("distill into a user's directory", d -> args(userProject(d), "distill", "--student",
                        model.toString(), "--teacher", model.toString(), "--data", s(d, "project/train"),
                        "--tokens", "4096", "--output", s(d, "project")), foreign),
                new Case("a forced write never replaces a user's file", d -> {
                    Files.writeString(userProject(d).resolve("config.json"), "{\"mine\": true}");
                    return args(d, "init", "--preset", "tiny", "--layers", "1", "--force", "--output",
                            s(d, "project"));
                }, "config.json there was not written by Topiary, and the checkpoint has a file of that name;"
                        + " move it away"),
                new Case("an output that is a file", d -> args(Files.writeString(d.resolve("file"), "mine"),
                        "quantize", "--model", model.toString(), "--precision", "INT8", "--output", s(d, "file")),
                        "it exists and is not a directory; choose a new path"),
                new Case("an output inside a file", d -> args(Files.writeString(d.resolve("file"), "mine"), "init",
                        "--preset", "tiny", "--layers", "1", "--output", s(d, "file/model")),
                        "is a file, not a directory"),
                new Case("an output that is a dangling link", d -> args(Files.createSymbolicLink(d.resolve("link"),
                        d.resolve("gone")), "init", "--preset", "tiny", "--layers", "1", "--output", s(d, "link")),
                        "which does not exist; remove the link or choose a new path"),
                // The notebook runner's output, checked before any cell runs.
                new Case("run --out that is a directory", d -> args(Files.createDirectories(d.resolve("out")),
                        "run", notebook(d, "nb.ipynb"), "--out", s(d, "out")),
                        "is a directory; give the executed notebook's file name"),
                new Case("run --out onto a user's notebook", d -> args(d, "run", notebook(d, "nb.ipynb"), "--out",
                        notebook(d, "mine.ipynb")),
                        "exists and is not a notebook that topiary run wrote; choose another --out"),
                new Case("run --out onto its own source notebook", d -> args(d, "run", notebook(d, "nb.ipynb"),
                        "--out", s(d, "nb.ipynb")), "exists and is not a notebook that topiary run wrote"),
                // GGUF export, checked before the model is written.
                new Case("export onto an existing file", d -> args(Files.writeString(d.resolve("mine.gguf"), "mine"),
                        "export", "--model", model.toString(), "--type", "q8_0", "--output", s(d, "mine.gguf")),
                        "the file exists; choose a new path, or replace it with --force"),
                new Case("export into a path under a file", d -> args(Files.writeString(d.resolve("file"), "mine"),
                        "export", "--model", model.toString(), "--type", "f32", "--output", s(d, "file/m.gguf")),
                        "is a file, not a directory"),
                new Case("export to an unknown type", d -> args(d, "export", "--model", model.toString(), "--type",
                        "q3_x", "--output", s(d, "m.gguf")), "unknown ggml type 'q3_x'; expected one of f32, f16"),
                new Case("export to an unknown format", d -> args(d, "export", "--model", model.toString(),
                        "--format", "onnx", "--type", "f32", "--output", s(d, "m.gguf")),
                        "unknown --format 'onnx': expected gguf"),
                new Case("export of a model without a tokenizer", d -> {
                    CommandRun init = CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "32",
                            "--ffn", "112", "--vocab", "258", "--output", s(d, "bare"));
                    assertEquals(0, init.code(), init.err());
                    return args(d, "export", "--model", s(d, "bare"), "--type", "f32", "--output", s(d, "m.gguf"));
                }, "this model has no tokenizer"),
                new Case("export of an INT8 model into a type that cannot hold it exactly", d -> {
                    CommandRun quantize = CommandRun.run("quantize", "--model", model.toString(), "--precision",
                            "INT8", "--output", s(d, "int8"));
                    assertEquals(0, quantize.code(), quantize.err());
                    return args(d, "export", "--model", s(d, "int8"), "--type", "q8_0", "--output", s(d, "m.gguf"));
                }, "cannot be written exactly as q8_0: export f32"),
                // The kernelspec.
                new Case("install --prefix that is a file", d -> args(Files.writeString(d.resolve("prefix"),
                        "mine"), "install", "--prefix", s(d, "prefix"), "--jar", jar(d)),
                        "prefix is a file, not a directory"),
                new Case("install over a kernel Topiary did not write", d -> {
                    Path other = Files.createDirectories(d.resolve("prefix/share/jupyter/kernels/topiary"));
                    Files.writeString(other.resolve("kernel.json"), "{\"argv\": [\"other\"]}");
                    return args(d, "install", "--prefix", s(d, "prefix"), "--jar", jar(d));
                }, "the directory exists and Topiary did not write it (it holds kernel.json)"),
                new Case("install --name ..", d -> args(d, "install", "--prefix", d.toString(), "--jar", jar(d),
                        "--name", ".."), "--name '..' is not a kernel name: use ASCII letters, digits, '-', '.' and"
                        + " '_' (not '.' or '..' alone)"),
                new Case("install --name .", d -> args(d, "install", "--prefix", d.toString(), "--jar", jar(d),
                        "--name", "."), "--name '.' is not a kernel name"),
                // The kernel's connection file.
                new Case("kernel: ip not of this machine", d -> kernel(d, "\"ip\": \"192.0.2.1\","),
                        "connection.json: the field \"ip\" is \"192.0.2.1\", which is not an IP address of this"
                                + " machine"),
                new Case("kernel: no ip", d -> kernel(d, ""), "connection.json: the field \"ip\" is missing"),
                new Case("kernel: a directory", d -> args(d, "kernel", "--connection-file",
                        Files.createDirectory(d.resolve("conn")).toString()), "conn: is a directory"),
                // Notebooks to run.
                new Case("run: a directory", d -> args(d, "run", Files.createDirectory(d.resolve("nb.ipynb"))
                        .toString()), "nb.ipynb is a directory; give the .ipynb file to run"),
                new Case("run: not UTF-8", d -> args(d, "run", Files.write(d.resolve("latin1.ipynb"),
                        PARAMETERS_NOTEBOOK.replace("a; b", "caf\u00e9").getBytes(StandardCharsets.ISO_8859_1))
                        .toString()), "latin1.ipynb is not UTF-8 text"),
                new Case("run: a cell that is not an object", d -> args(d, "run", Files.writeString(
                        d.resolve("cells.ipynb"), PARAMETERS_NOTEBOOK.replace("\n]}", ",\n \"print(1)\"\n]}"))
                        .toString()), "cells.ipynb: cell 3 of 3 is a string, not a JSON object"),
                new Case("run -p misspelled", d -> args(d, "run", Files.writeString(d.resolve("p.ipynb"),
                        PARAMETERS_NOTEBOOK).toString(), "-p", "stpes=5"),
                        "p.ipynb: unknown parameter `stpes`; the parameters cell defines: steps, name, lr, warmup"),
                // Inputs that are not what they claim.
                new Case("prepare-data under a file", d -> args(d, "prepare-data", "--input",
                        Files.writeString(d.resolve("a.jsonl"), "{\"text\": \"hi\"}\n").toString(), "--tokenizer",
                        model.toString(), "--output-prefix", Files.writeString(d.resolve("plain"), "")
                        .resolve("ds").toString()), "plain: already exists"),
                new Case("weights are a directory", d -> args(d, "generate", "--model", weights(d, false),
                        "--prompt", "Hi"), "model.safetensors is a directory"),
                new Case("tokenizer.json is a directory", d -> args(d, "generate", "--model",
                        tokenizerDirectory(d), "--prompt", "Hi"), "tokenizer.json is a directory"),
                new Case("weights are a dangling link", d -> args(d, "generate", "--model", weights(d, true),
                        "--prompt", "Hi"), "model.safetensors is a link to gone, which does not exist"),
                // Weights that would load as garbage.
                new Case("a NaN among the weights", d -> args(d, "logits", "--model", corrupted(d, (header, data) ->
                        data.putFloat(offset(header, "model.norm.weight") + 4 * 3, Float.NaN)), "--ids", "1,2"),
                        "model.safetensors: tensor 'model.norm.weight' holds NaN at flat index 3; tensor values must"
                                + " be finite"),
                new Case("an infinity among the weights", d -> args(d, "eval", "--model", corrupted(d,
                        (header, data) -> data.putFloat(offset(header, "model.embed_tokens.weight"),
                                Float.NEGATIVE_INFINITY)), "--data", Files.writeString(d.resolve("t.txt"),
                                "Hello there.").toString()),
                        "tensor 'model.embed_tokens.weight' holds -Inf at flat index 0"),
                new Case("overlapping data_offsets", d -> args(d, "logits", "--model", corrupted(d, (header, data) -> {
                    ObjectNode norm = (ObjectNode) header.get("model.norm.weight");
                    long begin = offset(header, "model.layers.0.input_layernorm.weight");
                    norm.putArray("data_offsets").add(begin).add(begin + 4L * 32);
                }), "--ids", "1"), "model.norm.weight"));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseIsOneLineAndChangesNothing() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path dir = Files.createDirectories(root.resolve(c.name().replaceAll("[^A-Za-z0-9]+", "-")));
            String[] args = c.setup().args(dir);
            Map<String, String> before = FileTree.snapshot(dir);
            Map<String, String> modelBefore = FileTree.snapshot(model);
            CommandRun r = CommandRun.run(args);
            assertEquals(1, r.code(), c.name() + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("topiary ") && r.err().contains(": error: "), r.err());
            assertTrue(r.err().contains(c.expected()), "expected '" + c.expected() + "' in: " + r.err());
            assertFalse(r.err().contains("Exception"), "no Java exception names: " + r.err());
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

    /** The command line, once {@code made} (a file or directory the case needs) is there. */
    private static String[] args(Path made, String... args) {
        return args;
    }

    private static String notebook(Path dir, String name) throws IOException {
        return Files.writeString(dir.resolve(name), NOTEBOOK).toString();
    }

    /** A stand-in for the kernel's jar, for install. */
    private static String jar(Path dir) throws IOException {
        return Files.writeString(dir.resolve("topiary.jar"), "jar").toString();
    }

    /** A connection file with {@code ipField} (a JSON member and its comma, or nothing) and every other field. */
    private static String[] kernel(Path d, String ipField) throws IOException {
        Path file = Files.writeString(d.resolve("connection.json"), "{" + ipField + " \"transport\": \"tcp\","
                + " \"shell_port\": 0, \"iopub_port\": 0, \"stdin_port\": 0, \"control_port\": 0, \"hb_port\": 0,"
                + " \"key\": \"k\", \"signature_scheme\": \"hmac-sha256\"}");
        return new String[] {"kernel", "--connection-file", file.toString()};
    }

    /** A copy of the model whose tokenizer.json is a directory. */
    private static String tokenizerDirectory(Path d) throws IOException {
        Path broken = Files.createDirectory(d.resolve("broken"));
        for (String file : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(model.resolve(file), broken.resolve(file));
        }
        Files.createDirectory(broken.resolve("tokenizer.json"));
        return broken.toString();
    }

    /** A copy of the model's config whose model.safetensors is a directory, or a link to a file that is gone. */
    private static String weights(Path d, boolean danglingLink) throws IOException {
        Path broken = Files.createDirectory(d.resolve("broken"));
        Files.copy(model.resolve("config.json"), broken.resolve("config.json"));
        Files.copy(model.resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
        if (danglingLink) {
            Files.createSymbolicLink(broken.resolve("model.safetensors"), Path.of("gone"));
        } else {
            Files.createDirectory(broken.resolve("model.safetensors"));
        }
        return broken.toString();
    }

    /** Changes the header or the data of a copy of the model's weights. */
    @FunctionalInterface
    interface Corruption {
        void apply(ObjectNode header, ByteBuffer data);
    }

    /** A copy of the model (config, tokenizer) whose model.safetensors has been through {@code corruption}. */
    private static String corrupted(Path d, Corruption corruption) throws IOException {
        Path broken = Files.createDirectory(d.resolve("broken"));
        for (String file : new String[] {"config.json", "tokenizer.json"}) {
            Files.copy(model.resolve(file), broken.resolve(file));
        }
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(model.resolve("model.safetensors")))
                .order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) file.getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(file.array(), 8, headerLength,
                StandardCharsets.UTF_8));
        ByteBuffer data = ByteBuffer.wrap(Arrays.copyOfRange(file.array(), 8 + headerLength, file.capacity()))
                .order(ByteOrder.LITTLE_ENDIAN);
        corruption.apply(header, data);
        byte[] json = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(data.array());
        Files.write(broken.resolve("model.safetensors"), out.array());
        return broken.toString();
    }

    /** Where a tensor's bytes begin in the data section. */
    private static int offset(ObjectNode header, String tensor) {
        return header.get(tensor).get("data_offsets").get(0).asInt();
    }

    private static String s(Path dir, String relative) {
        return dir.resolve(relative).toString();
    }
}
