package dev.topiary.cli;

import dev.topiary.LanguageModel;
import dev.topiary.QuantizedModel;
import dev.topiary.TopiaryException;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.GgufExport;
import dev.topiary.gguf.GgufOwnership;
import dev.topiary.io.Overwrite;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes a model as a GGUF file for llama.cpp. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the model as a GGUF file that llama.cpp runs with nothing else: weights in --type,"
                + " tokenizer, rope scaling and the model's recipe inside.")
final class ExportCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--format", defaultValue = "gguf", paramLabel = "FORMAT", description = "gguf (the only one)")
    String format;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "f32, f16, q8_0, q4_0, q4_1, q4_k or q6_k")
    String type;

    @Option(names = "--requantize", description = "for a quantized model: quantize its dequantized weights again"
            + " into --type (otherwise only a type that holds them exactly, f32, is accepted)")
    boolean requantize;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "the .gguf file to write: new, or one Topiary wrote (replaced)")
    Path output;

    @Option(names = "--force", description = "replace any file already at --output")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!format.toLowerCase(Locale.ROOT).equals("gguf")) {
            throw new TopiaryException("unknown --format '" + format + "': expected gguf");
        }
        GgmlType target = GgmlType.parse(type);
        Overwrite overwrite = force ? Overwrite.FORCE : Overwrite.TOPIARY_OUTPUT;
        GgufOwnership.checkTarget(output, overwrite);
        try (LanguageModel loaded = model.open()) {
            GgufExport written = requantize && loaded instanceof QuantizedModel quantized
                    ? quantized.exportRequantized(output, target, overwrite) : loaded.export(output, target, overwrite);
            PrintWriter out = spec.commandLine().getOut();
            out.println(String.format(Locale.ROOT, "wrote %s: %s, %,d bytes, %.2f bits per weight%s", written.file(),
                    written.type().ggmlName(), written.bytes(), written.bitsPerWeight(),
                    written.fallbacks().isEmpty() ? "" : "; stored in another type: "
                            + String.join(", ", written.fallbacks())));
            if (written.expanded()) {
                out.println("the model's layers share " + written.sharedBlocks() + " blocks; llama.cpp has no sharing,"
                        + " so each block is written once for every layer that uses it");
            }
            out.flush();
        }
        return 0;
    }
}
