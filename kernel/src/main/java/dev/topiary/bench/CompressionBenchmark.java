package dev.topiary.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.DepthPruner;
import dev.topiary.prune.ImportanceEstimator;
import dev.topiary.prune.ImportanceScores;
import dev.topiary.prune.ImportanceSelection;
import dev.topiary.prune.PruningPlan;
import dev.topiary.prune.WidthPruner;
import dev.topiary.prune.WidthSelection;
import dev.topiary.quant.GptqCalibration;
import dev.topiary.quant.ModelQuantizer;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizedTensor;
import dev.topiary.train.BatchSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The time of the compression steps themselves, importance estimation excluded (see {@link ImportanceBenchmark}):
 * width-pruning surgery at Minitron-4B-Width's ratios, depth pruning of half the layers, round-to-nearest
 * quantization of every linear weight in each scheme, and sequential GPTQ INT4 of the whole model.
 */
final class CompressionBenchmark {

    /** Minitron-4B-Width cut Llama-3.1-8B's hidden size 4096 to 3072 and its FFN 14336 to 9216. */
    static final double HIDDEN_KEEP = 3072.0 / 4096;
    static final double FFN_KEEP = 9216.0 / 14336;

    /** The schemes of {@link ModelQuantizer}, each timed on the whole model. */
    static final List<QuantScheme> SCHEMES = List.of(QuantScheme.INT8, QuantScheme.INT4, QuantScheme.FP8_E4M3);

    private CompressionBenchmark() {}

    /**
     * @param width the width-pruning surgery alone (channels already selected), source to {@code widthTarget}
     * @param depth dropping {@code droppedLayers} layers (the least important half)
     * @param quantization round to nearest of every linear weight, one entry per scheme of {@link #SCHEMES}
     * @param gptq sequential GPTQ INT4 of every linear weight on {@code gptqTokens} calibration tokens
     */
    record Result(LlamaConfig source, long sourceParameters, LlamaConfig widthTarget, long widthParameters,
            Timing width, int droppedLayers, long depthParameters, Timing depth, List<Quantization> quantization,
            long gptqTokens, Quantization gptq) {

        /** One Markdown list line per measurement, as {@link Benchmarks} prints them. */
        List<String> lines(String name) {
            List<String> lines = new ArrayList<>();
            lines.add(String.format("- %s, width-pruning surgery (hidden %d -> %d, FFN %d -> %d, %d heads kept;"
                            + " %,d -> %,d parameters), channels already selected: %s", name, source.hiddenSize(),
                    widthTarget.hiddenSize(), source.intermediateSize(), widthTarget.intermediateSize(),
                    widthTarget.numAttentionHeads(), sourceParameters, widthParameters, width.time()));
            lines.add(String.format("- %s, depth pruning (drop %d of %d layers; %,d parameters left): %s", name,
                    droppedLayers, source.numHiddenLayers(), depthParameters, depth.time()));
            for (Quantization q : quantization) {
                lines.add(q.line(name, "round-to-nearest"));
            }
            lines.add(gptq.line(name, String.format("sequential GPTQ (%,d calibration tokens)", gptqTokens)));
            return lines;
        }
    }

    /** Quantizing the whole model with one scheme: its time and what the result stores. */
    record Quantization(QuantScheme scheme, Timing timing, long storedBytes, long fp32Bytes, long linearStoredBytes,
            long linearFp32Bytes) {

        /** Stored bits per linear weight: packed codes plus scales (and INT4 zero points). */
        double bitsPerLinearWeight() {
            return 8.0 * linearStoredBytes / (linearFp32Bytes / 4.0);
        }

        String line(String name, String method) {
            return String.format("- %s, %s %s of every linear weight: %s; linear weights %.3f GB packed vs %.3f GB"
                            + " fp32 (%.2f bits per weight), whole model %.3f GB vs %.3f GB fp32 (x%.2f)", name,
                    method, scheme, timing.time(), linearStoredBytes / 1e9, linearFp32Bytes / 1e9,
                    bitsPerLinearWeight(), storedBytes / 1e9, fp32Bytes / 1e9, (double) storedBytes / fp32Bytes);
        }
    }

    /**
     * Measures {@code model}. Pruning runs {@code warmup} untimed and {@code repeats} timed times; quantizing the
     * whole model {@code slowWarmup} and {@code slowRepeats} times. GPTQ calibrates on {@code batches} random
     * sequences of {@code length} tokens.
     */
    static Result measure(Llama model, int warmup, int repeats, int slowWarmup, int slowRepeats, int batches,
            int length) {
        LlamaConfig config = model.config();
        // Importance is benchmarked elsewhere: one short batch, untimed, only to have real scores to select by.
        ImportanceScores scores = ImportanceEstimator.estimate(model, RandomTokens.batches(config.vocabSize(), 1, 32), 1,
                false, Cancellation.none());

        PruningPlan plan = PruningPlan.width(config, aligned(config.hiddenSize() * HIDDEN_KEEP, config.hiddenSize()),
                aligned(config.intermediateSize() * FFN_KEEP, config.intermediateSize()), config.numAttentionHeads());
        WidthSelection selection = ImportanceSelection.width(scores, config, plan.target());
        Timing width = Timing.of(warmup, repeats, () -> WidthPruner.apply(model, selection).close());

        int[] dropped = ImportanceSelection.leastImportantLayers(scores, config.numHiddenLayers() / 2);
        long[] depthParameters = new long[1];
        Timing depth = Timing.of(warmup, repeats, () -> {
            try (Llama pruned = DepthPruner.drop(model, dropped)) {
                depthParameters[0] = pruned.parameterCount();
            }
        });

        List<Quantization> quantization = new ArrayList<>();
        for (QuantScheme scheme : SCHEMES) {
            quantization.add(quantization(scheme, slowWarmup, slowRepeats, () -> ModelQuantizer.quantize(model, scheme)));
        }
        Quantization gptq;
        BatchSource calibration = RandomTokens.batches(config.vocabSize(), 1, length);
        try (NDManager m = model.manager().newSubManager()) {
            List<NDArray> ids = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                ids.add(m.create(calibration.batch(b).inputs(), new Shape(1, length)));
            }
            gptq = quantization(QuantScheme.INT4, slowWarmup, slowRepeats,
                    () -> GptqCalibration.quantize(model, QuantScheme.INT4, ids));
        }
        return new Result(config, model.parameterCount(), plan.target(), plan.parameterCount(), width,
                dropped.length, depthParameters[0], depth, quantization, (long) batches * length, gptq);
    }

    private static Quantization quantization(QuantScheme scheme, int warmup, int repeats,
            Supplier<PackedModel> quantize) {
        long[] bytes = new long[4];
        Timing timing = Timing.of(warmup, repeats, () -> {
            try (PackedModel q = quantize.get()) {
                bytes[0] = q.storedBytes();
                bytes[1] = q.fp32Bytes();
                bytes[2] = sum(q, QuantizedTensor::storedBytes);
                bytes[3] = sum(q, w -> (long) w.rows() * w.columns() * Float.BYTES);
            }
        });
        return new Quantization(scheme, timing, bytes[0], bytes[1], bytes[2], bytes[3]);
    }

    private static long sum(PackedModel q, Function<QuantizedTensor, Long> bytes) {
        return q.quantized().values().stream().mapToLong(bytes::apply).sum();
    }

    /**
     * {@code value} rounded to the nearest multiple of {@value PruningPlan#ALIGNMENT} for dimensions of at least
     * 1024 (as GPU kernels prefer), to the nearest integer for small ones.
     */
    static int aligned(double value, int size) {
        int step = size >= 1024 ? PruningPlan.ALIGNMENT : 1;
        return (int) Math.max(step, Math.min(size, Math.round(value / step) * step));
    }
}
