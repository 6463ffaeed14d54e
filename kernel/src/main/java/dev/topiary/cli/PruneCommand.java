package dev.topiary.cli;

import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.data.PackedBatches;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.DepthPruner;
import dev.topiary.prune.ImportanceEstimator;
import dev.topiary.prune.ImportanceScores;
import dev.topiary.prune.ImportanceSelection;
import dev.topiary.prune.WidthPruner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Structured pruning by Minitron importance: width (hidden, FFN, heads) and depth (layers). */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Estimate activation-based importance on --data (forward passes only), prune to the given"
                + " hidden/FFN/head sizes and/or number of layers (or drop the listed layers), and write the pruned"
                + " checkpoint to --output.")
final class PruneCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", required = true, paramLabel = "DATA",
            description = "calibration data: indexed dataset prefix, or a .jsonl/.txt file (then --tokenizer)")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer for text --data (default: the model's)")
    Path tokenizer;

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

    @Option(names = "--samples", defaultValue = "1024", paramLabel = "N",
            description = "calibration sequences (default: ${DEFAULT-VALUE}, as Minitron)")
    int samples;

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int sequenceLength;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "where the pruned model goes")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (drop != null && layers != null) {
            throw new TopiaryException("give either --layers or --drop, not both");
        }
        if (samples < 1 || sequenceLength < 1 || batchSize < 1) {
            throw new TopiaryException("--samples, --seq-len and --batch-size must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Llama source = model.load()) {
            LlamaConfig config = source.config();
            LlamaConfig widthTarget = Options.check(() -> config.toBuilder()
                    .setHiddenSize(hidden != null ? hidden : config.hiddenSize())
                    .setIntermediateSize(ffn != null ? ffn : config.intermediateSize())
                    .setNumAttentionHeads(heads != null ? heads : config.numAttentionHeads()).build());
            checkNarrowing(config, widthTarget);
            if (layers != null && (layers < 1 || layers > config.numHiddenLayers())) {
                throw new TopiaryException("--layers must be in [1, " + config.numHiddenLayers() + "], got " + layers);
            }
            boolean width = !widthTarget.equals(config);
            if (width && (drop != null || layers != null)) {
                throw new TopiaryException("prune width and depth in two commands: depth first, then width on its"
                        + " output (importance must be measured on the model being narrowed)");
            }
            ImportanceScores scores = null;
            if (width || layers != null) {
                try (DatasetInput input = DatasetInput.open(data, tokenizer != null ? tokenizer : model.model)) {
                    PackedBatches batches = new PackedBatches(input.dataset(), sequenceLength, batchSize, 0);
                    scores = ImportanceEstimator.estimate(source, batches, (samples + batchSize - 1) / batchSize, false,
                            Cancellation.none());
                }
            }
            Llama pruned = source;
            if (drop != null) {
                pruned = DepthPruner.drop(pruned, drop);
            } else if (layers != null && layers < config.numHiddenLayers()) {
                pruned = DepthPruner.drop(pruned,
                        ImportanceSelection.leastImportantLayers(scores, config.numHiddenLayers() - layers));
            }
            if (width) {
                pruned = WidthPruner.apply(source, ImportanceSelection.width(scores, config, widthTarget));
            }
            try {
                LlamaCheckpoint.save(pruned, output, TensorDType.F32);
                out.println(String.format("pruned %,d -> %,d parameters: %s", source.parameterCount(),
                        pruned.parameterCount(), pruned.config()));
            } finally {
                if (pruned != source) {
                    pruned.close();
                }
            }
        }
        TokenizerFile.copy(model.model, output);
        out.flush();
        return 0;
    }

    private static void checkNarrowing(LlamaConfig source, LlamaConfig target) {
        if (target.hiddenSize() > source.hiddenSize() || target.intermediateSize() > source.intermediateSize()
                || target.numAttentionHeads() > source.numAttentionHeads()) {
            throw new TopiaryException("pruning only removes: the target " + target + " is wider than " + source);
        }
        if (target.numAttentionHeads() % source.numKeyValueHeads() != 0) {
            throw new TopiaryException("--heads " + target.numAttentionHeads() + " must be a multiple of"
                    + " num_key_value_heads " + source.numKeyValueHeads() + " (the same number of heads per KV group)");
        }
    }
}
