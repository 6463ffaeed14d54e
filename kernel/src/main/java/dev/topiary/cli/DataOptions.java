package dev.topiary.cli;

import dev.topiary.Corpus;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data} and {@code --tokenizer} options of commands that read tokens. */
final class DataOptions {

    @Option(names = "--data", required = true, paramLabel = "DATA",
            description = "indexed dataset prefix (PREFIX.idx/.bin), or a .jsonl/.txt file (tokenized with --tokenizer)")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json for text --data (default: the model's)")
    Path tokenizer;

    /** The data, text tokenized with --tokenizer or else the tokenizer in {@code modelDir}. */
    Corpus corpus(Path modelDir) {
        return Corpus.of(data, tokenizer != null ? tokenizer : modelDir);
    }
}
