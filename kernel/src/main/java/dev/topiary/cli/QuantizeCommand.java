package dev.topiary.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.data.PackedBatches;
import dev.topiary.llama.Llama;
import dev.topiary.quant.GptqCalibration;
import dev.topiary.quant.ModelQuantizer;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizedCheckpoint;
import dev.topiary.quant.QuantizedModel;
import dev.topiary.train.TokenBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Post-training weight quantization of every linear layer, stored packed. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize the model's linear weights (INT8 per channel, INT4 in groups, or FP8 E4M3) by"
                + " round-to-nearest or GPTQ (calibrated on --data), and write the packed model to --output.")
final class QuantizeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--precision", required = true, paramLabel = "P", description = "INT8, INT4 or FP8")
    String precision;

    @Option(names = "--method", defaultValue = "rtn", paramLabel = "M",
            description = "rtn (round to nearest, default) or gptq (needs --data)")
    String method;

    @Option(names = "--group-size", defaultValue = "128", paramLabel = "N", description = "INT4 group size (default: 128)")
    int groupSize;

    @Option(names = "--data", paramLabel = "DATA", description = "calibration data for GPTQ: dataset prefix or text")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer for text --data (default: the model's)")
    Path tokenizer;

    @Option(names = "--samples", defaultValue = "128", paramLabel = "N", description = "calibration sequences")
    int samples;

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int sequenceLength;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "where the quantized model goes")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        QuantScheme scheme = scheme();
        boolean gptq = switch (method.toLowerCase(Locale.ROOT)) {
            case "rtn" -> false;
            case "gptq" -> true;
            default -> throw new TopiaryException("unknown --method '" + method + "': expected rtn or gptq");
        };
        if (gptq && data == null) {
            throw new TopiaryException("--method gptq needs calibration --data");
        }
        if (model.isQuantized()) {
            throw new TopiaryException(model.model + " is already quantized: quantize the floating-point model instead");
        }
        try (Llama llama = model.load()) {
            QuantizedModel quantized = gptq ? calibrated(llama, scheme) : ModelQuantizer.quantize(llama, scheme);
            try (quantized) {
                QuantizedCheckpoint.save(quantized, output);
                spec.commandLine().getOut().println(String.format("wrote %s: %s, %,d bytes stored (%,d in fp32)",
                        output, scheme.id(), quantized.storedBytes(), quantized.fp32Bytes()));
            }
        }
        TokenizerFile.copy(model.model, output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private QuantScheme scheme() {
        return switch (precision.toUpperCase(Locale.ROOT)) {
            case "INT8" -> QuantScheme.INT8;
            case "INT4" -> Options.check(() -> QuantScheme.int4(groupSize));
            case "FP8", "FP8_E4M3" -> QuantScheme.FP8_E4M3;
            default -> throw new TopiaryException("unknown --precision '" + precision + "': expected INT8, INT4 or FP8");
        };
    }

    private QuantizedModel calibrated(Llama llama, QuantScheme scheme) {
        try (DatasetInput input = DatasetInput.open(data, tokenizer != null ? tokenizer : model.model);
                NDManager manager = llama.manager().newSubManager()) {
            PackedBatches batches = new PackedBatches(input.dataset(), sequenceLength, 1, 0);
            List<NDArray> ids = new ArrayList<>();
            for (int i = 0; i < samples; i++) {
                TokenBatch batch = batches.batch(i);
                ids.add(manager.create(batch.inputs(), new Shape(1, sequenceLength)));
            }
            return GptqCalibration.quantize(llama, scheme, ids);
        }
    }
}
