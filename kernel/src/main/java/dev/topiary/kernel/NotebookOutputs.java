package dev.topiary.kernel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A headless run's outputs as a Jupyter frontend would keep them in the notebook: streams merged, displays
 * replaced in place through their display ids (in any cell, so a finished progress bar is what the file holds),
 * {@code clear_output} honoured, while a terminal sees the text as it comes.
 */
final class NotebookOutputs implements CellOutput {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final PrintStream terminal;
    private final PrintStream terminalErrors;
    private final Map<String, List<ObjectNode>> byDisplayId = new HashMap<>();
    private ArrayNode cell;
    private boolean clearOnNextOutput;

    /** Echoes to {@code terminal} and {@code terminalErrors}, captured before a session takes over System.out. */
    NotebookOutputs(PrintStream terminal, PrintStream terminalErrors) {
        this.terminal = terminal;
        this.terminalErrors = terminalErrors;
    }

    /** From now on outputs go to {@code outputs}, the "outputs" array of the running cell. */
    synchronized void startCell(ArrayNode outputs) {
        this.cell = outputs;
        this.clearOnNextOutput = false;
    }

    @Override
    public synchronized void stream(String name, String text) {
        beforeOutput();
        (name.equals("stderr") ? terminalErrors : terminal).print(text);
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
        }
        terminal.println(bundle.plain());
    }

    @Override
    public synchronized void updateDisplay(MimeBundle bundle, String displayId) {
        for (ObjectNode output : byDisplayId.getOrDefault(displayId, List.of())) {
            fill(output, bundle);
        }
        terminal.println(bundle.plain());
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
        ObjectNode output = cell.addObject();
        output.put("output_type", "execute_result");
        output.put("execution_count", executionCount);
        fill(output, bundle);
        terminal.println(bundle.plain());
    }

    /** The cell's error, as an error output. */
    synchronized void error(CellResult.Error error) {
        beforeOutput();
        ObjectNode output = cell.addObject();
        output.put("output_type", "error");
        output.put("ename", error.name());
        output.put("evalue", error.message());
        ArrayNode traceback = output.putArray("traceback");
        error.traceback().forEach(traceback::add);
        error.traceback().forEach(terminalErrors::println);
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
