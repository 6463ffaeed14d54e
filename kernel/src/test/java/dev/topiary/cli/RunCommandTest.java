package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topiary run}: notebooks executed headless, written as Jupyter would keep them. */
class RunCommandTest {

    private static final String NOTEBOOK = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {"custom": {"kept": true}}, "cells": [
             {"id": "m1", "cell_type": "markdown", "metadata": {}, "source": "# A run"},
             {"id": "p1", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": null,
              "outputs": [], "source": ["int steps = 3;\\n", "String name = \\"default\\";"]},
             {"id": "c1", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "System.out.println(\\"hello \\" + name);\\nSystem.out.println(\\"steps \\" + steps);"},
             {"id": "c2", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "String id = display(\\"first\\");\\nupdateDisplay(id, \\"final\\");"},
             {"id": "c3", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "steps * 2"},
             {"id": "c4", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "if (steps > 4) throw new IllegalStateException(\\"too many steps: \\" + steps);"},
             {"id": "c5", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "\\"after\\""}
            ]}
            """;

    @TempDir
    Path dir;

    @Test
    void runsEveryCellAndKeepsOutputsAsJupyterWould() throws Exception {
        Path nb = Files.writeString(dir.resolve("demo.ipynb"), NOTEBOOK);
        CommandRun r = CommandRun.run("run", nb.toString(), "-p", "name=notebook");
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("demo.executed.ipynb");
        JsonNode cells = new ObjectMapper().readTree(out.toFile()).get("cells");
        assertEquals(8, cells.size(), "an injected-parameters cell was added");
        assertEquals("injected-parameters", cells.get(2).get("metadata").get("tags").get(0).asText());
        assertEquals("// Parameters given on the command line\nname = \"notebook\";", cells.get(2).get("source")
                .asText());
        JsonNode printed = cells.get(3).get("outputs");
        assertEquals(1, printed.size(), "consecutive prints merge into one stream output");
        assertEquals("hello notebook\nsteps 3\n", printed.get(0).get("text").asText());
        JsonNode display = cells.get(4).get("outputs");
        assertEquals(1, display.size());
        assertEquals("\"final\"", display.get(0).get("data").get("text/plain").asText());
        JsonNode result = cells.get(5).get("outputs").get(0);
        assertEquals("execute_result", result.get("output_type").asText());
        assertEquals("6", result.get("data").get("text/plain").asText());
        assertEquals(5, result.get("execution_count").asInt());
        assertEquals(7, cells.get(7).get("execution_count").asInt());
        assertTrue(new ObjectMapper().readTree(out.toFile()).get("metadata").get("custom").get("kept").asBoolean());
        assertEquals("topiary", new ObjectMapper().readTree(out.toFile()).get("metadata").get("kernelspec")
                .get("name").asText());
        validates(out);
    }

    @Test
    void cellsKnowWhereTheNotebookGoesAndTheTerminalSeesHowEachDisplayEnded() throws Exception {
        Path nb = Files.writeString(dir.resolve("live.ipynb"), """
                {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
                 {"id": "a", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
                  "source": "String id = display(\\"first\\");\\nfor (int i = 0; i < 50; i++) updateDisplay(id, \\"value \\" + i);"},
                 {"id": "b", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
                  "source": "notebookDirectory()"}
                ]}
                """);
        Path out = dir.resolve("runs").resolve("live-run.ipynb");
        CommandRun r = CommandRun.run("run", nb.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"first\"") && r.out().indexOf("\"value 49\"") > r.out().indexOf("\"first\""),
                "the terminal sees the display and, before the next cell, its last replacement: " + r.out());
        assertFalse(r.out().contains("\"value 25\""), "quick replacements are not all echoed: " + r.out());
        JsonNode cells = new ObjectMapper().readTree(out.toFile()).get("cells");
        assertEquals("\"value 49\"", cells.get(0).get("outputs").get(0).get("data").get("text/plain").asText());
        assertEquals(out.getParent().toAbsolutePath().toString(),
                cells.get(1).get("outputs").get(0).get("data").get("text/plain").asText());
    }

    @Test
    void aFailingCellIsNamedAndTheNotebookIsWrittenUpToIt() throws Exception {
        Path nb = Files.writeString(dir.resolve("demo.ipynb"), NOTEBOOK);
        Path out = dir.resolve("out").resolve("failed.ipynb");
        CommandRun r = CommandRun.run("run", nb.toString(), "-p", "steps=5", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("[cell 6/7] (if (steps > 4) throw new IllegalStateException")
                && r.err().contains("IllegalStateException: too many steps: 5"), r.err());
        JsonNode cells = new ObjectMapper().readTree(out.toFile()).get("cells");
        JsonNode error = cells.get(6).get("outputs").get(0);
        assertEquals("error", error.get("output_type").asText());
        assertEquals("too many steps: 5", error.get("evalue").asText());
        assertEquals(6, cells.get(6).get("execution_count").asInt(), "the number the failure message gives");
        assertTrue(cells.get(7).get("execution_count").isNull(), "later cells are not run");
        validates(out);
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        Path nb = Files.writeString(dir.resolve("demo.ipynb"), NOTEBOOK);
        CommandRun noEquals = CommandRun.run("run", nb.toString(), "-p", "steps");
        assertEquals(1, noEquals.code());
        assertTrue(noEquals.err().contains("a parameter is NAME=VALUE, got 'steps'"), noEquals.err());
        CommandRun badName = CommandRun.run("run", nb.toString(), "-p", "2x=1");
        assertTrue(badName.err().contains("'2x' is not a Java identifier"), badName.err());
        CommandRun missing = CommandRun.run("run", dir.resolve("none.ipynb").toString());
        assertTrue(missing.err().contains("no notebook at"), missing.err());
        Path plain = Files.writeString(dir.resolve("plain.ipynb"), NOTEBOOK.replace("\"tags\": [\"parameters\"]",
                "\"tags\": []"));
        CommandRun noParameters = CommandRun.run("run", plain.toString(), "-p", "steps=1");
        assertTrue(noParameters.err().contains("has no cell tagged 'parameters'"), noParameters.err());
        assertFalse(Files.exists(dir.resolve("plain.executed.ipynb")), "nothing is written for bad input");
    }

    @Test
    void ctrlCStopsTheRunningCellAndWritesTheNotebookInsteadOfCrashing() throws Exception {
        Path nb = Files.writeString(dir.resolve("busy.ipynb"), """
                {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
                 {"id": "a", "cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
                  "source": ["var manager = ai.djl.engine.Engine.getEngine(\\"PyTorch\\").newBaseManager();\\n",
                             "var a = manager.randomNormal(new ai.djl.ndarray.types.Shape(1024, 1024));\\n",
                             "System.out.println(\\"busy\\");\\n",
                             "while (true) { Monitor.current().check(\\"spinning\\"); a.matMul(a).close(); }"]}
                ]}
                """);
        Path out = dir.resolve("busy-run.ipynb");
        Path log = dir.resolve("run.log");
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true", "-cp", System.getProperty("java.class.path"),
                TopiaryCommand.class.getName(), "run", nb.toString(), "--out", out.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        while (!Files.readString(log).contains("busy\n") && run.isAlive()) {
            Thread.sleep(100);
        }
        Thread.sleep(500); // well inside libtorch, many times over
        run.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM's shutdown hooks run
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        String printed = Files.readString(log);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("hs_err")).toList(), "no JVM crash: " + printed);
        }
        JsonNode outputs = new ObjectMapper().readTree(out.toFile()).get("cells").get(0).get("outputs");
        assertEquals("Interrupted", outputs.get(outputs.size() - 1).get("ename").asText(), printed);
    }

    private static void validates(Path notebook) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no Python to validate with nbformat");
        Process p = new ProcessBuilder(python.toString(), "-c", "import sys, nbformat;"
                + " nbformat.validate(nbformat.read(sys.argv[1], 4))", notebook.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(!out.contains("No module named 'nbformat'"), "nbformat is not installed");
        assertEquals(0, p.exitValue(), out);
    }
}
