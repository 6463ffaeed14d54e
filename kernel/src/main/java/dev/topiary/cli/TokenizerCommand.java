package dev.topiary.cli;

import dev.topiary.data.BpeModel;
import dev.topiary.data.BpeTrainer;
import dev.topiary.data.TextDocuments;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Tokenizer tools; {@code train} makes a byte-level BPE tokenizer from the user's text. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, subcommands = TokenizerCommand.Train.class,
        description = "Tokenizer tools.")
final class TokenizerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand: train");
    }

    /** Trains byte-level BPE on a .txt or .jsonl file and writes a Hugging Face tokenizer.json. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a byte-level BPE tokenizer (Llama 3 style, exactly as Hugging Face tokenizers encodes"
                    + " it) on --input (.jsonl: one document per line in field \"text\"; .txt: one document) and"
                    + " write it as a Hugging Face tokenizer.json, with <|begin_of_text|> and <|end_of_text|> as the"
                    + " last two ids.")
    static final class Train implements Callable<Integer> {

        @Option(names = "--input", required = true, paramLabel = "FILE", description = "a .jsonl or .txt file")
        Path input;

        @Option(names = "--vocab-size", required = true, paramLabel = "N",
                description = "ids in all: 256 bytes, the merges, 2 special tokens (fewer if the text runs out of"
                        + " pairs to merge)")
        int vocabSize;

        @Option(names = "--output", required = true, paramLabel = "FILE",
                description = "tokenizer.json to write, or a directory to write it into")
        Path output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<String> documents = TextDocuments.read(input);
            long start = System.nanoTime();
            BpeModel model = BpeTrainer.train(documents, vocabSize);
            double seconds = (System.nanoTime() - start) / 1e9;
            Path file = model.write(output);
            long bytes = 0;
            for (String d : documents) {
                bytes += d.getBytes(StandardCharsets.UTF_8).length;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(String.format("trained %d tokens (%d merges) on %d document%s, %,d bytes, in %.1f s: %s",
                    model.vocabSize(), model.merges().size(), documents.size(), documents.size() == 1 ? "" : "s",
                    bytes, seconds, file));
            out.flush();
            return 0;
        }
    }
}
