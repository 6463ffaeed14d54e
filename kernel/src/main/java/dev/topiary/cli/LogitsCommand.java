package dev.topiary.cli;

import dev.topiary.LanguageModel;
import dev.topiary.TopiaryException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the fp32 logits of every position of a token sequence as one JSON object. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print {\"shape\":[T,V],\"logits\":[[...],...]}: fp32 logits for every position of --ids.")
final class LogitsCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--ids", required = true, paramLabel = "ID,ID,...", description = "token ids, comma-separated")
    String ids;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        int[] tokens = parseIds(ids);
        try (LanguageModel loaded = model.open()) {
            float[][] logits = loaded.logits(tokens);
            PrintWriter out = spec.commandLine().getOut();
            out.print("{\"shape\":[" + logits.length + "," + loaded.config().vocabSize() + "],\"logits\":[");
            StringBuilder row = new StringBuilder();
            for (int t = 0; t < logits.length; t++) {
                row.setLength(0);
                row.append(t == 0 ? "[" : ",[");
                for (int v = 0; v < logits[t].length; v++) {
                    if (v > 0) {
                        row.append(',');
                    }
                    float x = logits[t][v];
                    row.append(Float.isFinite(x) ? Float.toString(x) : "null");
                }
                out.print(row.append(']'));
            }
            out.println("]}");
            out.flush();
        }
        return 0;
    }

    static int[] parseIds(String text) {
        String[] parts = text.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new TopiaryException("--ids must be comma-separated integers, but item " + (i + 1) + " is '"
                        + parts[i] + "'");
            }
        }
        return ids;
    }
}
