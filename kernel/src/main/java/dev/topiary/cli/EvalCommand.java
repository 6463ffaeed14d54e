package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.eval.LanguageModelEvaluation;
import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.llama.Llama;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N",
            description = "tokens per evaluated window (default: ${DEFAULT-VALUE})")
    int sequenceLength;

    @Option(names = "--batch-size", defaultValue = "4", paramLabel = "N",
            description = "windows per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--max-tokens", defaultValue = "0", paramLabel = "N",
            description = "stop after about N predicted tokens (default: the whole dataset)")
    long maxTokens;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (sequenceLength < 1 || batchSize < 1 || maxTokens < 0) {
            throw new TopiaryException("--seq-len and --batch-size must be positive and --max-tokens >= 0");
        }
        Path scratch = null;
        Path prefix = data;
        try (Llama llama = model.load()) {
            if (isText(data)) {
                scratch = Files.createTempDirectory("topiary-eval");
                prefix = scratch.resolve("data");
                try (Tokenizer tokenizer = Tokenizer.load(model.model)) {
                    DatasetPreparation.prepare(data, tokenizer, prefix);
                }
            }
            LanguageModelMetrics metrics;
            try (IndexedDataset dataset = IndexedDataset.open(prefix)) {
                metrics = LanguageModelEvaluation.evaluate(llama, dataset,
                        Math.min(sequenceLength, llama.config().maxPositionEmbeddings()), batchSize, maxTokens,
                        Cancellation.none());
            }
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("loss", metrics.loss());
            json.put("perplexity", metrics.perplexity());
            json.put("tokens", metrics.tokens());
            spec.commandLine().getOut().println(json);
            spec.commandLine().getOut().flush();
        } finally {
            if (scratch != null) {
                try (Stream<Path> files = Files.walk(scratch)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        return 0;
    }

    private static boolean isText(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".jsonl") || name.endsWith(".txt");
    }
}
