package dev.topiary.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llama.LlamaPresets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes a randomly initialised checkpoint of a named architecture, optionally resized. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a randomly initialised Llama checkpoint (Hugging Face layout) of a preset architecture.")
final class InitCommand implements Callable<Integer> {

    @Option(names = "--preset", defaultValue = "tiny", paramLabel = "NAME",
            description = "tiny, llama-3.2-1b, llama-3.1-8b, minitron-4b-width or minitron-4b-depth (default: tiny)")
    String preset;

    @Option(names = "--layers", paramLabel = "N", description = "override num_hidden_layers")
    Integer layers;

    @Option(names = "--hidden", paramLabel = "N", description = "override hidden_size")
    Integer hidden;

    @Option(names = "--ffn", paramLabel = "N", description = "override intermediate_size")
    Integer ffn;

    @Option(names = "--vocab", paramLabel = "N",
            description = "override vocab_size; bos and eos ids keep their place at its end")
    Integer vocab;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "initialisation seed (default: 0)")
    long seed;

    @Option(names = "--save-dtype", defaultValue = "F32", paramLabel = "TYPE",
            description = "F32, F16 or BF16 (default: ${DEFAULT-VALUE})")
    String saveDtype;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LlamaConfig base = LlamaPresets.named(preset);
        LlamaConfig config = Options.check(() -> {
            // The special tokens stay at the end of a resized vocabulary, where the presets put them.
            LlamaConfig.Builder b = (vocab == null ? base : base.withVocabSize(vocab)).toBuilder();
            if (layers != null) {
                b.setNumHiddenLayers(layers);
            }
            if (hidden != null) {
                b.setHiddenSize(hidden);
            }
            if (ffn != null) {
                b.setIntermediateSize(ffn);
            }
            return b.build();
        });
        TensorDType dtype = TensorDType.fromName(saveDtype.toUpperCase(Locale.ROOT));
        Path target = output.checked("checkpoint");
        try (Llama llama = Llama.random(config, seed, Device.cpu(), DataType.FLOAT32)) {
            LlamaCheckpoint.save(llama, target, dtype, output.overwrite());
        }
        spec.commandLine().getOut().println("wrote " + target + ": " + config + ", "
                + String.format("%,d", LlamaLayout.parameterCount(config)) + " parameters");
        return 0;
    }
}
