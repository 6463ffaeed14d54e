package dev.topiary.cli;

import dev.topiary.Model;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.quant.QuantizedCheckpoint;
import dev.topiary.quant.QuantizedModel;
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

    /** The model, dequantized into a runnable fp32 Llama when the checkpoint is a quantized one. */
    Llama load() {
        var device = Engines.device(this.device);
        if (isQuantized()) {
            try (QuantizedModel quantized = QuantizedCheckpoint.load(model, device)) {
                return quantized.toLlama();
            }
        }
        return LlamaCheckpoint.load(model, device, Engines.computeType(device, dtype));
    }

    /** The model as a DSL value, in the precision --dtype asks for. */
    Model open() {
        return Model.load(model, device, dtype);
    }

    /** Whether the checkpoint's config.json describes a quantized model. */
    boolean isQuantized() {
        return QuantizedCheckpoint.isQuantized(model);
    }
}
