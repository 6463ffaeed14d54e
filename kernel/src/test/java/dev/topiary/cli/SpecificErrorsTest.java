package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.data.BpeModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that once ended in a stack trace or a vague line: each case runs the real command line in-process and
 * must exit 1 with one line that says what failed, on which file, in words (no Java exception names).
 */
class SpecificErrorsTest {

    private static final String NOTEBOOK = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
             {"id": "p", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": null,
              "outputs": [], "source": ["int steps = 3;  // how long\\n", "String name = \\"a; b\\";\\n",
              "var lr = 3e-4, warmup = 10;"]},
             {"id": "c", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "System.out.println(name + steps);"}
            ]}
            """;

    @TempDir
    static Path dir;
    static Path model;

    /** What a case needs on disk, and its command line. */
    @FunctionalInterface
    interface Setup {
        String[] args(Path caseDir) throws IOException;
    }

    record Case(String name, Setup setup, String expected) {}

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("model");
        CommandRun init = CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "32", "--ffn", "64",
                "--vocab", "258", "--output", model.toString());
        assertEquals(0, init.code(), init.err());
        BpeModel.bytesOnly().write(model.resolve("tokenizer.json"));
    }

    @TestFactory
    Stream<DynamicTest> eachErrorIsOneSpecificLine() {
        return Stream.of(
                new Case("install --name ..", d -> new String[] {"install", "--prefix", d.toString(), "--name", ".."},
                        "--name '..' is not a kernel name: use ASCII letters, digits, '-', '.' and '_' (not '.' or"
                                + " '..' alone)"),
                new Case("install --name .", d -> new String[] {"install", "--prefix", d.toString(), "--name", "."},
                        "--name '.' is not a kernel name"),
                new Case("kernel: ip not of this machine", d -> kernel(d, "\"ip\": \"192.0.2.1\","),
                        "connection.json: the field \"ip\" is \"192.0.2.1\", which is not an IP address of this"
                                + " machine"),
                new Case("kernel: no ip", d -> kernel(d, ""), "connection.json: the field \"ip\" is missing"),
                new Case("kernel: a directory", d -> new String[] {"kernel", "--connection-file",
                        Files.createDirectory(d.resolve("conn")).toString()},
                        "conn: is a directory"),
                new Case("run: a directory", d -> new String[] {"run", Files.createDirectory(d.resolve("nb.ipynb"))
                        .toString()}, "nb.ipynb is a directory; give the .ipynb file to run"),
                new Case("run: not UTF-8", d -> new String[] {"run", Files.write(d.resolve("latin1.ipynb"),
                        NOTEBOOK.replace("a; b", "caf\u00e9").getBytes(StandardCharsets.ISO_8859_1)).toString()},
                        "latin1.ipynb is not UTF-8 text"),
                new Case("run: a cell that is not an object", d -> new String[] {"run", Files.writeString(
                        d.resolve("cells.ipynb"), NOTEBOOK.replace("\n]}", ",\n \"print(1)\"\n]}")).toString()},
                        "cells.ipynb: cell 3 of 3 is a string, not a JSON object"),
                new Case("run -p misspelled", d -> new String[] {"run", Files.writeString(d.resolve("p.ipynb"),
                        NOTEBOOK).toString(), "-p", "stpes=5"},
                        "p.ipynb: unknown parameter `stpes`; the parameters cell defines: steps, name, lr, warmup"),
                new Case("prepare-data under a file", d -> new String[] {"prepare-data", "--input",
                        Files.writeString(d.resolve("a.jsonl"), "{\"text\": \"hi\"}\n").toString(), "--tokenizer",
                        model.toString(), "--output-prefix", Files.writeString(d.resolve("plain"), "")
                        .resolve("ds").toString()}, "plain: already exists"),
                new Case("weights are a directory", d -> new String[] {"generate", "--model", weights(d, false),
                        "--prompt", "Hi"}, "model.safetensors is a directory"),
                new Case("tokenizer.json is a directory", d -> new String[] {"generate", "--model",
                        tokenizerDirectory(d), "--prompt", "Hi"}, "tokenizer.json is a directory"),
                new Case("weights are a dangling link", d -> new String[] {"generate", "--model", weights(d, true),
                        "--prompt", "Hi"}, "model.safetensors is a link to gone, which does not exist"))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    Path caseDir = Files.createTempDirectory(dir, "case");
                    CommandRun r = CommandRun.run(c.setup().args(caseDir));
                    assertEquals(1, r.code(), r.err());
                    assertEquals(1, r.err().strip().lines().count(), r.err());
                    assertTrue(r.err().contains(": error: ") && r.err().contains(c.expected()), r.err());
                    assertFalse(r.err().contains("Exception"), r.err());
                }));
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
}
