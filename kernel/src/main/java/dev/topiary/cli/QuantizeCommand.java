package dev.topiary.cli;

import dev.topiary.Calibration;
import dev.topiary.Corpus;
import dev.topiary.Gptq;
import dev.topiary.Model;
import dev.topiary.Monitor;
import dev.topiary.Precision;
import dev.topiary.QuantizeStep;
import dev.topiary.QuantizedModel;
import dev.topiary.RoundToNearest;
import dev.topiary.SmoothQuant;
import dev.topiary.TopiaryException;
import dev.topiary.quant.ActivationScheme;
import dev.topiary.quant.QuantScheme;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Post-training quantization of every linear layer's weights (and, on request, inputs), stored packed. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize the model's linear weights (INT8 per channel, INT4 in groups, FP8 E4M3, or one of"
                + " GGUF's grids, which export to GGUF exactly) by round-to-nearest or GPTQ (calibrated on --data),"
                + " optionally their inputs too (--activations, after SmoothQuant with --smooth), and write the"
                + " packed model to --output.")
final class QuantizeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--precision", paramLabel = "P", description = "INT8, INT6, INT4 or FP8 (or give --scheme)")
    String precision;

    @Option(names = "--scheme", paramLabel = "ID",
            description = "a GGUF grid instead of --precision: q8_0, q4_0, q4_1, q4_k or q6_k")
    String schemeId;

    @Option(names = "--method", defaultValue = "rtn", paramLabel = "M",
            description = "rtn (round to nearest, default) or gptq (needs --data)")
    String method;

    @Option(names = "--group-size", defaultValue = "" + QuantScheme.DEFAULT_GROUP_SIZE, paramLabel = "N",
            description = "INT4 group size (default: ${DEFAULT-VALUE})")
    int groupSize;

    @Option(names = "--data", paramLabel = "DATA", description = "calibration data for GPTQ: dataset prefix or text")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer for text --data (default: the model's)")
    Path tokenizer;

    @Option(names = "--samples", defaultValue = "" + Gptq.DEFAULT_SAMPLES, paramLabel = "N",
            description = "calibration sequences (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seq-len", defaultValue = "" + Gptq.DEFAULT_SEQUENCE_LENGTH, paramLabel = "N",
            description = "default: ${DEFAULT-VALUE}")
    int sequenceLength;

    @Option(names = "--act-order", description = "GPTQ: quantize each layer's columns in order of decreasing"
            + " activation size instead of left to right")
    boolean actOrder;

    @Option(names = "--activations", defaultValue = "none", paramLabel = "A",
            description = "none (default), int8 (W8A8 with --precision INT8) or fp8 (with --precision FP8): quantize"
                    + " every linear layer's input per token as the model runs")
    String activations;

    @Option(names = "--smooth", paramLabel = "ALPHA", description = "with --activations: first move activation"
            + " outliers into the weights by SmoothQuant with this alpha in [0, 1] (0.5 is usual), calibrated on"
            + " --data")
    Double smoothAlpha;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        QuantScheme scheme = scheme();
        QuantizeStep quantization = switch (method.toLowerCase(Locale.ROOT)) {
            case "rtn" -> new RoundToNearest(scheme);
            case "gptq" -> {
                if (data == null) {
                    throw new TopiaryException("--method gptq needs calibration --data");
                }
                Gptq gptq = Gptq.of(scheme).withCalibration(new Calibration(
                        Corpus.of(data, tokenizer != null ? tokenizer : model.model), samples, 1, sequenceLength));
                yield actOrder ? gptq.withActOrder() : gptq;
            }
            default -> throw new TopiaryException("unknown --method '" + method + "': expected rtn or gptq");
        };
        if (actOrder && !(quantization instanceof Gptq)) {
            throw new TopiaryException("--act-order is an option of --method gptq; round to nearest has no column"
                    + " order");
        }
        ActivationScheme inputs = ActivationScheme.parse(activations);
        SmoothQuant smoothing = smoothing(inputs);
        QuantizeStep steps = quantization.withActivations(inputs);
        Path written = output.checked("model");
        try (Model source = model.openFloating();
                QuantizedModel quantized = Monitor.run(CommandMonitor.on(spec.commandLine().getErr()),
                        () -> smoothing == null ? source.quantize(steps) : smoothThenQuantize(source, smoothing,
                                steps))) {
            quantized.save(written, output.overwrite());
            spec.commandLine().getOut().println(String.format("wrote %s: %s%s, %,d bytes stored (%,d in fp32)",
                    written, QuantizeStep.describe(scheme), QuantizeStep.describe(inputs), quantized.storedBytes(),
                    quantized.parameterCount() * Float.BYTES));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    // SmoothQuant as --smooth asks, or null; refused where it cannot help or has no data.
    private SmoothQuant smoothing(ActivationScheme inputs) {
        if (smoothAlpha == null) {
            return null;
        }
        if (inputs == ActivationScheme.NONE) {
            throw new TopiaryException("--smooth moves activation outliers into the weights, which helps only when"
                    + " the activations are quantized: add --activations int8 (or fp8)");
        }
        if (data == null) {
            throw new TopiaryException("--smooth needs calibration --data to measure the activations on");
        }
        return new SmoothQuant(smoothAlpha, new Calibration(Corpus.of(data, tokenizer != null ? tokenizer
                : model.model), samples, 1, sequenceLength));
    }

    private static QuantizedModel smoothThenQuantize(Model source, SmoothQuant smoothing, QuantizeStep steps) {
        try (Model smoothed = source.smooth(smoothing)) {
            return smoothed.quantize(steps);
        }
    }

    private QuantScheme scheme() {
        if ((precision == null) == (schemeId == null)) {
            throw new TopiaryException("give exactly one of --precision (INT8, INT6, INT4, FP8) and --scheme (q8_0,"
                    + " q4_0, q4_1, q4_k, q6_k)");
        }
        if (schemeId != null) {
            QuantScheme scheme = QuantScheme.of(schemeId.toLowerCase(Locale.ROOT), groupSize);
            if (scheme.ggmlType().isEmpty()) {
                throw new TopiaryException("--scheme " + schemeId + " is not a GGUF grid; expected q8_0, q4_0, q4_1,"
                        + " q4_k or q6_k, or give it as --precision");
            }
            return scheme;
        }
        Precision target = Precision.parse(precision);
        return target == Precision.INT4 ? QuantScheme.int4(groupSize) : target.scheme();
    }
}
