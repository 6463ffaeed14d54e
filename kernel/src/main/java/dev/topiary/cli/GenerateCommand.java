package dev.topiary.cli;

import dev.topiary.LanguageModel;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Continues a prompt with the model and prints the continuation. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Print the model's continuation of --prompt (the model directory must hold tokenizer.json).")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "the text to continue")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N",
            description = "most new tokens (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "0 for greedy decoding (default), otherwise the sampling temperature")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P",
            description = "nucleus sampling mass in (0, 1] (default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "sampling seed (default: 0)")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GenerationOptions options = Options.check(() ->
                new GenerationOptions(maxTokens, temperature, topP, seed, true));
        try (Tokenizer tokenizer = Tokenizer.load(model.model); LanguageModel loaded = model.open()) {
            int[] ids = tokenizer.encode(prompt);
            int[] continuation = loaded.generate(ids, options);
            PrintWriter out = spec.commandLine().getOut();
            out.println(tokenizer.decode(continuation));
            out.flush();
            warnOfUndecodable(tokenizer, loaded.config().vocabSize(), continuation);
            String limit = Generator.contextLimitWarning(loaded.config(), ids.length, continuation, options);
            if (limit != null) {
                Warnings.warn(spec, limit);
            }
        }
        return 0;
    }

    // Once per run, however many there are: decode already shows each in the text as <unk:ID>.
    private void warnOfUndecodable(Tokenizer tokenizer, int modelVocabulary, int[] continuation) {
        int count = 0;
        int first = -1;
        for (int id : continuation) {
            if (!tokenizer.canDecode(id)) {
                if (count == 0) {
                    first = id;
                }
                count++;
            }
        }
        if (count > 0) {
            Warnings.warn(spec, "the model generated " + count + " id" + (count == 1 ? "" : "s") + " (first " + first
                    + ") that " + tokenizer.file() + " cannot decode: it holds " + tokenizer.vocabularySize()
                    + " ids, the model's vocabulary " + modelVocabulary + "; shown as <unk:ID>");
        }
    }
}
