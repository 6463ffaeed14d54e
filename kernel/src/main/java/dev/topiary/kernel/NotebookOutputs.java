package dev.topiary.kernel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A headless run's outputs as a Jupyter frontend would keep them in the notebook: streams merged, displays
 * replaced in place through their display ids (in any cell, so a finished progress bar is what the file holds),
 * {@code clear_output} honoured, while a terminal sees the text as it comes. A display replaced often (a progress
 * bar, a live chart) is echoed to the terminal at most every {@value #ECHO_MILLIS} ms; its latest text is echoed
 * before any other output, so the terminal never misses how it ended.
 */
final class NotebookOutputs implements CellOutput {

    static final long ECHO_MILLIS = 5000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final PrintWriter terminal;
    private final PrintWriter terminalErrors;
    private final Map<String, List<ObjectNode>> byDisplayId = new HashMap<>();
    private final Map<String, Long> lastEchoed = new HashMap<>();
    private final Map<String, String> unechoed = new LinkedHashMap<>();
    private ArrayNode cell;
    private boolean clearOnNextOutput;

    /** Echoes to {@code terminal} and {@code terminalErrors}, captured before a session takes over System.out. */
    NotebookOutputs(PrintWriter terminal, PrintWriter terminalErrors) {
        this.terminal = terminal;
        this.terminalErrors = terminalErrors;
    }

    /** From now on outputs go to {@code outputs}, the "outputs" array of the running cell. */
    synchronized void startCell(ArrayNode outputs) {
        echoUnechoed();
        this.cell = outputs;
        this.clearOnNextOutput = false;
    }

    @Override
    public synchronized void stream(String name, String text) {
        beforeOutput();
        echoUnechoed();
        PrintWriter echo = name.equals("stderr") ? terminalErrors : terminal;
        echo.print(text);
        echo.flush();
        if (!cell.isEmpty()) {
            ObjectNode last = (ObjectNode) cell.get(cell.size() - 1);
            if (last.path("output_type").asText().equals("stream") && last.path("name").asText().equals(name)) {
                last.put("text", last.path("text").asText() + text);
                return;
            }
        }
        ObjectNode output = cell.addObject();
        output.put("output_type", "stream");
        output.put("name", name);
        output.put("text", text);
    }

    @Override
    public synchronized void display(MimeBundle bundle, String displayId) {
        beforeOutput();
        ObjectNode output = cell.addObject();
        output.put("output_type", "display_data");
        fill(output, bundle);
        if (displayId != null) {
            byDisplayId.computeIfAbsent(displayId, id -> new ArrayList<>()).add(output);
            lastEchoed.put(displayId, System.nanoTime());
        }
        echoUnechoed();
        terminal.println(bundle.plain());
    }

    @Override
    public synchronized void updateDisplay(MimeBundle bundle, String displayId) {
        for (ObjectNode output : byDisplayId.getOrDefault(displayId, List.of())) {
            fill(output, bundle);
        }
        long now = System.nanoTime();
        Long last = lastEchoed.get(displayId);
        if (last == null || now - last >= ECHO_MILLIS * 1_000_000) {
            unechoed.remove(displayId);
            lastEchoed.put(displayId, now);
            terminal.println(bundle.plain());
        } else {
            unechoed.put(displayId, bundle.plain());
        }
    }

    @Override
    public synchronized void clear(boolean wait) {
        if (wait) {
            clearOnNextOutput = true;
        } else {
            cell.removeAll();
        }
    }

    /** The cell's result, as an execute_result output. */
    synchronized void result(MimeBundle bundle, int executionCount) {
        beforeOutput();
        echoUnechoed();
        ObjectNode output = cell.addObject();
        output.put("output_type", "execute_result");
        output.put("execution_count", executionCount);
        fill(output, bundle);
        terminal.println(bundle.plain());
    }

    /** The cell's error, as an error output. */
    synchronized void error(CellResult.Error error) {
        beforeOutput();
        echoUnechoed();
        ObjectNode output = cell.addObject();
        output.put("output_type", "error");
        output.put("ename", error.name());
        output.put("evalue", error.message());
        ArrayNode traceback = output.putArray("traceback");
        error.traceback().forEach(traceback::add);
        error.traceback().forEach(terminalErrors::println);
    }

    /** Echoes the latest text of every display whose last replacement the terminal has not seen. */
    synchronized void echoUnechoed() {
        unechoed.values().forEach(terminal::println);
        unechoed.clear();
    }

    private void beforeOutput() {
        if (clearOnNextOutput) {
            cell.removeAll();
            clearOnNextOutput = false;
        }
    }

    private static void fill(ObjectNode output, MimeBundle bundle) {
        output.set("data", MAPPER.valueToTree(bundle.data()));
        output.set("metadata", MAPPER.valueToTree(bundle.metadata()));
    }
}
