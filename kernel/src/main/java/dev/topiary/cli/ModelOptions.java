package dev.topiary.cli;

import dev.topiary.LanguageModel;
import dev.topiary.Model;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that loads a model shares, and the DSL's loading of it. */
final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face checkpoint directory (config.json and model.safetensors or a sharded index)")
    Path model;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}, the GPU when there is one)")
    String device;

    @Option(names = "--dtype", defaultValue = "auto", paramLabel = "TYPE",
            description = "float32 or float16 (GPU only); auto is float32 on the CPU and float16 on a GPU")
    String dtype;

    /** The model, floating-point or quantized, as {@link LanguageModel#load(Path, String, String)} reads it. */
    LanguageModel open() {
        return LanguageModel.load(model, device, dtype);
    }

    /** The floating-point model a compression command starts from; a quantized checkpoint is refused. */
    Model openFloating() {
        return Model.load(model, device, dtype);
    }
}
