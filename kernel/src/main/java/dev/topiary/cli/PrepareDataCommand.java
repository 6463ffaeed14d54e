package dev.topiary.cli;

import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.PreparationResult;
import dev.topiary.data.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Tokenizes a text corpus into a Megatron indexed dataset, as NeMo's preprocessing script does. */
@Command(name = "prepare-data", mixinStandardHelpOptions = true,
        description = "Tokenize --input (.jsonl: one document per line in field \"text\"; .txt: one document) into the"
                + " Megatron indexed dataset PREFIX.idx/PREFIX.bin that NeMo and Megatron-LM read, one sequence per"
                + " document, each ending with the end-of-text token.")
final class PrepareDataCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "a .jsonl or .txt file")
    Path input;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
            description = "tokenizer.json, or a model directory holding one")
    Path tokenizer;

    @Option(names = "--output-prefix", required = true, paramLabel = "PREFIX",
            description = "writes PREFIX.idx and PREFIX.bin")
    Path outputPrefix;

    @Option(names = "--eod-token", defaultValue = DatasetPreparation.DEFAULT_EOD_TOKEN, paramLabel = "TOKEN",
            description = "the special token appended to every document (default: ${DEFAULT-VALUE})")
    String eodToken;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PreparationResult result;
        try (Tokenizer t = Tokenizer.load(tokenizer)) {
            result = DatasetPreparation.prepare(input, t, t.tokenId(eodToken), outputPrefix);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("prepared " + result.documents() + " documents, " + result.tokens() + " " + result.dtype()
                + " tokens: " + result.idxFile() + ", " + result.binFile());
        out.flush();
        return 0;
    }
}
