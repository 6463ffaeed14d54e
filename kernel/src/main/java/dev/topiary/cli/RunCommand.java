package dev.topiary.cli;

import dev.topiary.TopiaryException;
import dev.topiary.kernel.NotebookRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Executes a notebook headless with the kernel's engine and writes it with its outputs. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Execute a notebook with the Topiary kernel's engine, without Jupyter, and write it with its"
                + " outputs. Exits 1 naming the cell that failed.")
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NOTEBOOK", description = "the .ipynb to run")
    Path notebook;

    @Option(names = {"-p", "--parameter"}, paramLabel = "NAME=VALUE", description = "set a variable of the cell"
            + " tagged 'parameters' (numbers and true/false as they are, anything else as a string); repeatable")
    List<String> parameters = new ArrayList<>();

    @Option(names = "--out", paramLabel = "FILE", description = "where the executed notebook goes (default:"
            + " NOTEBOOK with .executed.ipynb, beside it)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (String p : parameters) {
            Map.Entry<String, String> parameter = NotebookRun.parameter(p);
            values.put(parameter.getKey(), parameter.getValue());
        }
        Path target = out != null ? out : defaultOut(notebook);
        NotebookRun.Outcome outcome = NotebookRun.run(notebook, values, target, spec.commandLine().getOut(),
                spec.commandLine().getErr());
        if (!outcome.succeeded()) {
            throw new TopiaryException("[cell " + outcome.failedCell() + "/" + outcome.codeCells() + "] ("
                    + outcome.failedSource() + ") failed: "
                    + outcome.error().name() + ": " + outcome.error().message() + "; the executed notebook is "
                    + target);
        }
        spec.commandLine().getOut().println("wrote " + target);
        spec.commandLine().getOut().flush();
        return 0;
    }

    static Path defaultOut(Path notebook) {
        String name = notebook.getFileName().toString();
        String stem = name.endsWith(".ipynb") ? name.substring(0, name.length() - ".ipynb".length()) : name;
        return notebook.resolveSibling(stem + ".executed.ipynb");
    }
}
