package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.Corpus;
import dev.topiary.Evaluation;
import dev.topiary.LanguageModel;
import dev.topiary.TopiaryException;
import dev.topiary.eval.LanguageModelMetrics;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints a model's loss and perplexity on a dataset as JSON. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Print {\"loss\":...,\"perplexity\":...,\"tokens\":...}: the model's next-token loss on --data,"
                + " an indexed dataset prefix (PREFIX.idx/.bin) or a .jsonl/.txt file (tokenized with the model's"
                + " tokenizer.json, as prepare-data does).")
final class EvalCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "dataset prefix, .jsonl or .txt")
    Path data;

    @Option(names = "--seq-len", defaultValue = "" + Evaluation.WINDOW_LENGTH, paramLabel = "N",
            description = "tokens per evaluated window (default: ${DEFAULT-VALUE})")
    int sequenceLength;

    @Option(names = "--batch-size", defaultValue = "" + Evaluation.BATCH_SIZE, paramLabel = "N",
            description = "windows per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--max-tokens", defaultValue = "0", paramLabel = "N",
            description = "stop after about N predicted tokens (default: the whole dataset)")
    long maxTokens;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (sequenceLength < 1 || batchSize < 1 || maxTokens < 0) {
            throw new TopiaryException("--seq-len and --batch-size must be positive and --max-tokens >= 0");
        }
        try (LanguageModel loaded = model.open()) {
            int maxPositions = loaded.config().maxPositionEmbeddings();
            if (sequenceLength > maxPositions) {
                Warnings.warn(spec, "--seq-len " + sequenceLength + " exceeds the model's max_position_embeddings ("
                        + maxPositions + "); evaluating windows of " + maxPositions);
            }
            LanguageModelMetrics metrics = loaded.languageModelMetrics(Corpus.of(data, model.model),
                    Math.min(sequenceLength, maxPositions), batchSize, maxTokens);
            if (metrics.warning() != null) {
                Warnings.warn(spec, metrics.warning());
            }
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("loss", metrics.loss());
            json.put("perplexity", metrics.perplexity());
            json.put("tokens", metrics.tokens());
            spec.commandLine().getOut().println(json);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
