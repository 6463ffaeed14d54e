package dev.topiary.kernel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.io.AtomicFile;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;

/**
 * A notebook executed headless with the kernel's engine: every code cell in order in one session, outputs kept
 * as Jupyter keeps them, parameters injected after the cell tagged {@code parameters} (as papermill does), and
 * the executed notebook written whole, also when a cell fails.
 */
public final class NotebookRun {

    static final String INJECTED = "injected-parameters";
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?[fFdDlL]?");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** How the run ended: the failing cell's number (1-based among all cells) and error, or none. */
    /**
     * @param failedCell the number of the code cell that failed, as the run counts them ({@code [cell n/m]}) and the
     *     executed notebook numbers them (In [n]); 0 when none did
     * @param codeCells the notebook's code cells
     */
    public record Outcome(int failedCell, int codeCells, String failedSource, CellResult.Error error) {
        public boolean succeeded() {
            return error == null;
        }
    }

    /** How long Ctrl-C waits for the running cell to stop and the notebook to be written. */
    static final long EXIT_WAIT_SECONDS = 30;

    private NotebookRun() {}

    /**
     * Runs {@code notebook}, writing the executed notebook to {@code out}; progress and cell output go to
     * {@code terminal}, what cells print to standard error to {@code terminalErrors}.
     *
     * @param parameters name to value, each written into the injected cell as a Java literal
     * @throws TopiaryException when the notebook cannot be read, parameters cannot be injected (also when one
     *     names no variable that the parameters cell declares), or {@code out} is not a file the run may replace
     *     (see {@link ExecutedNotebookFile})
     */
    public static Outcome run(Path notebook, Map<String, String> parameters, Path out, PrintWriter terminal,
            PrintWriter terminalErrors) throws IOException {
        ObjectNode nb = read(notebook);
        ArrayNode cells = (ArrayNode) nb.get("cells");
        if (!parameters.isEmpty()) {
            inject(cells, parameters, notebook);
        }
        ExecutedNotebookFile.check(out);
        writeKernelMetadata(nb);
        ExecutedNotebookFile.mark(nb);
        NotebookOutputs outputs = new NotebookOutputs(terminal, terminalErrors);
        try (JShellSession session = new JShellSession()) {
            session.notebookDirectory(out.toAbsolutePath().getParent());
            CountDownLatch written = new CountDownLatch(1);
            Thread onExit = stopOnExit(session, written);
            try {
                Outcome outcome = runCells(cells, session, outputs, terminal);
                write(nb, out);
                return outcome;
            } finally {
                written.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(onExit);
                } catch (IllegalStateException exiting) {
                    // Ctrl-C came as the run ended: the hook is running and returns at once.
                }
            }
        }
    }

    /** Executes the code cells in order, filling their outputs, up to the first that fails. */
    private static Outcome runCells(ArrayNode cells, JShellSession session, NotebookOutputs outputs,
            PrintWriter terminal) {
        int codeCells = 0;
        for (JsonNode c : cells) {
            codeCells += c.path("cell_type").asText().equals("code") ? 1 : 0;
        }
        int count = 0;
        for (int i = 0; i < cells.size(); i++) {
            ObjectNode cell = (ObjectNode) cells.get(i);
            if (!cell.path("cell_type").asText().equals("code")) {
                continue;
            }
            count++;
            String source = source(cell);
            outputs.startCell(cell.putArray("outputs"));
            terminal.printf(Locale.ROOT, "[cell %d/%d] %s%n", count, codeCells, firstLine(source));
            cell.put("execution_count", count);
            CellResult result = session.execute(source, count, outputs);
            if (!result.succeeded()) {
                outputs.error(result.error());
                outputs.echoUnechoed();
                return new Outcome(count, codeCells, firstLine(source), result.error());
            }
            if (result.value() != null) {
                outputs.result(result.value(), count);
            }
        }
        outputs.echoUnechoed();
        return new Outcome(0, codeCells, null, null);
    }

    /**
     * On Ctrl-C or SIGTERM, interrupts the running cell and waits for the notebook to be written: the cell stops at
     * its next step, so libtorch is not torn down under a thread still inside it (which crashes the JVM), and the
     * executed notebook ends with the interrupted cell.
     */
    private static Thread stopOnExit(JShellSession session, CountDownLatch written) {
        Thread hook = new Thread(() -> {
            session.interrupt();
            try {
                written.await(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "notebook-run-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static ObjectNode read(Path notebook) {
        if (Files.isDirectory(notebook)) {
            throw new TopiaryException(notebook + " is a directory; give the .ipynb file to run");
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(Files.readString(notebook, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new TopiaryException("no notebook at " + notebook);
        } catch (CharacterCodingException e) {
            throw new TopiaryException(notebook + " is not UTF-8 text; a notebook is JSON in UTF-8 (save it again"
                    + " from Jupyter, or convert it with iconv -t UTF-8)");
        } catch (JsonProcessingException e) {
            throw new TopiaryException(notebook + " is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new TopiaryException("cannot read the notebook " + notebook + ": " + IoErrors.describe(e), e);
        }
        if (!(json instanceof ObjectNode nb) || !(nb.get("cells") instanceof ArrayNode cells)
                || nb.path("nbformat").asInt() != 4) {
            throw new TopiaryException(notebook + " is not a Jupyter notebook in format 4 (it needs \"nbformat\": 4"
                    + " and a \"cells\" list)");
        }
        for (int i = 0; i < cells.size(); i++) {
            if (!cells.get(i).isObject()) {
                String kind = switch (cells.get(i).getNodeType()) {
                    case ARRAY -> "an array";
                    case NULL -> "null";
                    default -> "a " + cells.get(i).getNodeType().toString().toLowerCase(Locale.ROOT);
                };
                throw new TopiaryException(notebook + ": cell " + (i + 1) + " of " + cells.size() + " is " + kind
                        + ", not a JSON object; each entry of \"cells\" must be an object with \"cell_type\" and"
                        + " \"source\"");
            }
        }
        return nb;
    }

    /**
     * Puts the parameters in a cell tagged {@value #INJECTED} right after the cell tagged "parameters", each of
     * which must be a variable that cell declares.
     */
    static void inject(ArrayNode cells, Map<String, String> parameters, Path notebook) {
        int parametersCell = -1;
        for (int i = 0; i < cells.size(); i++) {
            if (hasTag(cells.get(i), INJECTED)) {
                cells.remove(i--);
            } else if (parametersCell < 0 && hasTag(cells.get(i), "parameters")) {
                parametersCell = i;
            }
        }
        if (parametersCell < 0) {
            throw new TopiaryException(notebook + " has no cell tagged 'parameters' to take -p "
                    + String.join(", ", parameters.keySet()));
        }
        Set<String> declared = DeclaredVariables.in(source(cells.get(parametersCell)));
        for (String name : parameters.keySet()) {
            if (!declared.contains(name)) {
                throw new TopiaryException(notebook + ": unknown parameter `" + name + "`; the parameters cell defines: "
                        + (declared.isEmpty() ? "nothing (it needs declarations such as `int steps = 30;`)"
                                : String.join(", ", declared)));
            }
        }
        StringBuilder code = new StringBuilder("// Parameters given on the command line\n");
        parameters.forEach((name, value) -> code.append(name).append(" = ").append(literal(value)).append(";\n"));
        ObjectNode cell = MAPPER.createObjectNode();
        cell.put("id", INJECTED);
        cell.put("cell_type", "code");
        cell.put("execution_count", (String) null);
        cell.putObject("metadata").putArray("tags").add(INJECTED);
        cell.putArray("outputs");
        cell.put("source", code.toString().stripTrailing());
        cells.insert(parametersCell + 1, cell);
    }

    /** {@code value} as a Java literal: numbers and booleans as they are, anything else a string. */
    static String literal(String value) {
        if (NUMBER.matcher(value).matches() || value.equals("true") || value.equals("false")) {
            return value;
        }
        StringBuilder s = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> s.append(c);
            }
        }
        return s.append('"').toString();
    }

    /** Parses {@code name=value}, checking the name is a Java identifier. */
    public static Map.Entry<String, String> parameter(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new TopiaryException("a parameter is NAME=VALUE, got '" + assignment + "'");
        }
        String name = assignment.substring(0, eq).trim();
        if (!SourceVersion.isName(name)) {
            throw new TopiaryException("parameter name '" + name + "' is not a Java identifier");
        }
        return Map.entry(name, assignment.substring(eq + 1));
    }

    private static boolean hasTag(JsonNode cell, String tag) {
        for (JsonNode t : cell.path("metadata").path("tags")) {
            if (t.asText().equals(tag)) {
                return true;
            }
        }
        return false;
    }

    private static String source(JsonNode cell) {
        JsonNode source = cell.path("source");
        if (source.isArray()) {
            StringBuilder s = new StringBuilder();
            source.forEach(line -> s.append(line.asText()));
            return s.toString();
        }
        return source.asText();
    }

    private static String firstLine(String source) {
        String line = source.strip().lines().findFirst().orElse("");
        return line.length() > 72 ? line.substring(0, 72) + "..." : line;
    }

    private static void writeKernelMetadata(ObjectNode nb) {
        ObjectNode metadata = nb.get("metadata") instanceof ObjectNode m ? m : nb.putObject("metadata");
        Map<String, Object> kernelspec = new LinkedHashMap<>();
        kernelspec.put("name", "topiary");
        kernelspec.put("display_name", "Java (Topiary)");
        kernelspec.put("language", "java");
        metadata.set("kernelspec", MAPPER.valueToTree(kernelspec));
        Map<String, Object> language = new LinkedHashMap<>();
        language.put("name", "java");
        language.put("version", Runtime.version().toString());
        language.put("mimetype", "text/x-java-source");
        language.put("file_extension", ".jshell");
        metadata.set("language_info", MAPPER.valueToTree(language));
    }

    /** Writes {@code nb} as Jupyter does (one-space indent), complete or not at all. */
    private static void write(ObjectNode nb, Path out) throws IOException {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter(" ", "\n"))
                .withArrayIndenter(new DefaultIndenter(" ", "\n"));
        AtomicFile.writeString(out, MAPPER.writer(printer).writeValueAsString(nb) + "\n");
    }
}
