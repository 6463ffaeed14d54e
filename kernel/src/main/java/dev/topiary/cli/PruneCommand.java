package dev.topiary.cli;

import dev.topiary.CalibratedPruning;
import dev.topiary.Calibration;
import dev.topiary.Corpus;
import dev.topiary.Model;
import dev.topiary.Monitor;
import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Structured pruning by Minitron importance: width (hidden, FFN, heads) and depth (layers), alone or together. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Estimate activation-based importance on --data (forward passes only), prune to the given"
                + " number of layers (or drop the listed layers) and then to the given hidden/FFN/head sizes"
                + " (importance measured again on the shortened model), and write the pruned checkpoint, with its"
                + " recipe.json, to --output.")
final class PruneCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    DataOptions data;

    @Option(names = "--hidden", paramLabel = "N", description = "target hidden size")
    Integer hidden;

    @Option(names = "--ffn", paramLabel = "N", description = "target intermediate (FFN) size")
    Integer ffn;

    @Option(names = "--heads", paramLabel = "N", description = "target number of attention heads")
    Integer heads;

    @Option(names = "--layers", paramLabel = "N", description = "target number of layers (least important dropped)")
    Integer layers;

    @Option(names = "--drop", split = ",", paramLabel = "I,J,...", description = "drop exactly these layers (0-based)")
    int[] drop;

    @Option(names = "--samples", defaultValue = "" + Calibration.DEFAULT_SAMPLES, paramLabel = "N",
            description = "calibration sequences (default: ${DEFAULT-VALUE}, as Minitron)")
    int samples;

    @Option(names = "--seq-len", defaultValue = "" + Calibration.DEFAULT_SEQUENCE_LENGTH, paramLabel = "N",
            description = "default: ${DEFAULT-VALUE}")
    int sequenceLength;

    @Option(names = "--batch-size", defaultValue = "" + Calibration.DEFAULT_BATCH_SIZE, paramLabel = "N",
            description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (drop != null && layers != null) {
            throw new TopiaryException("give either --layers or --drop, not both");
        }
        Calibration calibration = new Calibration(null, samples, batchSize, sequenceLength);
        output.checked("model");
        PrintWriter out = spec.commandLine().getOut();
        Monitor.run(CommandMonitor.on(spec.commandLine().getErr()), () -> {
            prune(calibration, out);
            return null;
        });
        out.flush();
        return 0;
    }

    private void prune(Calibration calibration, PrintWriter out) {
        try (Model source = model.openFloating()) {
            Corpus corpus = data.corpus(model.model);
            LlamaConfig config = source.config();
            int targetHidden = hidden != null ? hidden : config.hiddenSize();
            int targetFfn = ffn != null ? ffn : config.intermediateSize();
            int targetHeads = heads != null ? heads : config.numAttentionHeads();
            boolean width = targetHidden != config.hiddenSize() || targetFfn != config.intermediateSize()
                    || targetHeads != config.numAttentionHeads();
            CalibratedPruning pruning = source.prune().withCalibration(calibration.withData(corpus));
            pruning.planWidth(targetHidden, targetFfn, targetHeads);
            Model shortened = drop != null ? source.prune().drop(drop) : layers != null ? pruning.layers(layers)
                    : null;
            try (Model pruned = !width ? shortened : (shortened != null ? shortened : source).prune()
                    .withCalibration(calibration.withData(corpus)).width(targetHidden, targetFfn, targetHeads)) {
                if (pruned == null) {
                    throw new TopiaryException("nothing to prune: give --hidden, --ffn, --heads, --layers or --drop");
                }
                pruned.save(output.output, output.overwrite());
                out.println(String.format("pruned %,d -> %,d parameters: %s", source.parameterCount(),
                        pruned.parameterCount(), pruned.config()));
            } finally {
                if (shortened != null) {
                    shortened.close();
                }
            }
        }
    }
}
