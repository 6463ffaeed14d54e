package dev.topiary.cli;

import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that loads a model shares. */
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

    Llama load() {
        var device = Engines.device(this.device);
        return LlamaCheckpoint.load(model, device, Engines.computeType(device, dtype));
    }
}
