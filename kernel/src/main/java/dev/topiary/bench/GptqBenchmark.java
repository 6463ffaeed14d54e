package dev.topiary.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.quant.Gptq;
import dev.topiary.quant.GptqCalibration;
import dev.topiary.quant.GptqHessian;
import dev.topiary.quant.GptqOptions;
import dev.topiary.quant.QuantScheme;
import dev.topiary.train.BatchSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GPTQ INT4 by its parts, on one decoder layer of a model's shapes, so that a whole model at any calibration size
 * follows by arithmetic: preparing each Hessian (the float64 inverse and its Cholesky factor: a fixed cost per
 * layer), the lazy blocked update of each weight (fixed; its rate against its {@code rows x columns^2}
 * floating-point operations), and the calibration itself (a layer's passes and Hessians, linear in the tokens),
 * measured on a one-layer model at two calibration sizes.
 */
final class GptqBenchmark {

    private GptqBenchmark() {}

    /**
     * Lines for {@code config}'s layer shapes: {@code warmup} and {@code repeats} runs of each part; the calibration
     * on {@code fewSequences} and {@code manySequences} random sequences of {@code length} tokens; the whole-model
     * estimate for {@code targetSequences} of {@code length}.
     */
    static List<String> measure(String name, LlamaConfig config, int warmup, int repeats, int fewSequences,
            int manySequences, int length, int targetSequences) {
        LlamaConfig oneLayer = config.toBuilder().setNumHiddenLayers(1).build();
        List<String> lines = new ArrayList<>();
        double fixed = 0;
        try (Llama model = Llama.random(oneLayer, 1, Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager()) {
            Map<Integer, List<String>> byInput = new LinkedHashMap<>();
            for (String weight : LlamaLayout.linearWeights(oneLayer)) {
                int columns = (int) model.parameters().get(weight).getShape().get(1);
                byInput.computeIfAbsent(columns, c -> new ArrayList<>()).add(weight);
            }
            // One Hessian per group of weights sharing an input: q/k/v, o, gate/up, down.
            Map<Integer, Integer> preparationsByInput = new LinkedHashMap<>();
            for (int columns : new int[] {oneLayer.hiddenSize(), oneLayer.numAttentionHeads() * oneLayer.headDim(),
                    oneLayer.hiddenSize(), oneLayer.intermediateSize()}) {
                preparationsByInput.merge(columns, 1, Integer::sum);
            }
            for (Map.Entry<Integer, List<String>> input : byInput.entrySet()) {
                int columns = input.getKey();
                NDArray hessian = spdMatrix(m, columns);
                Timing prepare = Timing.of(warmup, repeats,
                        () -> GptqHessian.prepare(hessian, QuantScheme.INT4, GptqOptions.DEFAULT).close());
                int preparations = preparationsByInput.get(columns);
                fixed += preparations * prepare.median();
                lines.add(String.format(Locale.ROOT, "- %s, GPTQ Hessian preparation (float64 inverse and Cholesky"
                        + " factor) of a %d-input layer: %s, %d per layer", name, columns, prepare.time(),
                        preparations));
                try (GptqHessian prepared = GptqHessian.prepare(hessian, QuantScheme.INT4, GptqOptions.DEFAULT)) {
                    for (String weight : input.getValue()) {
                        NDArray w = model.parameters().get(weight);
                        long rows = w.getShape().get(0);
                        Timing update = Timing.of(warmup, repeats, () -> Gptq.quantize(w, prepared, QuantScheme.INT4));
                        fixed += update.median();
                        lines.add(String.format(Locale.ROOT, "- %s, GPTQ update of %s %s (%.1f GFLOP): %s, %s", name,
                                LlamaLayout.kind(weight), w.getShape(), rows * columns * (double) columns / 1e9,
                                update.time(), update.rate(rows * columns * (double) columns / 1e9, "GFLOP/s")));
                    }
                }
            }
            double few = calibration(model, m, fewSequences, length);
            double many = calibration(model, m, manySequences, length);
            double perToken = Math.max(0, (many - few) / ((double) (manySequences - fewSequences) * length));
            // Two single runs: on a noisy host the line through them can tilt; neither part can be negative.
            double layerFixed = Math.max(0, few - perToken * fewSequences * length);
            lines.add(String.format(Locale.ROOT, "- %s, GPTQ INT4 of one layer, whole: %.1f s on %d x %d tokens,"
                    + " %.1f s on %d x %d: %.1f s fixed (the parts above: %.1f s) and %.2f ms per calibration token",
                    name, few, fewSequences, length, many, manySequences, length, layerFixed, fixed,
                    perToken * 1e3));
            int layers = config.numHiddenLayers();
            lines.add(String.format(Locale.ROOT, "- %s, GPTQ INT4 of all %d layers on %d x %d calibration tokens,"
                    + " estimated from these: %.0f s (%.0f s fixed, %.0f s calibration)", name, layers,
                    targetSequences, length, layers * (layerFixed + perToken * targetSequences * length),
                    layers * layerFixed, layers * perToken * targetSequences * length));
        }
        return lines;
    }

    // GPTQ of the whole one-layer model on `sequences` random sequences, one run (its parts were warmed up above).
    private static double calibration(Llama model, NDManager m, int sequences, int length) {
        BatchSource tokens = RandomTokens.batches(model.config().vocabSize(), 1, length);
        List<NDArray> ids = new ArrayList<>();
        for (int b = 0; b < sequences; b++) {
            ids.add(m.create(tokens.batch(b).inputs(), new Shape(1, length)));
        }
        Timing t = Timing.of(0, 1, () -> GptqCalibration.quantize(model, QuantScheme.INT4, ids).close());
        ids.forEach(NDArray::close);
        return t.median();
    }

    // A symmetric positive definite [n, n] matrix: I + B^T B / 64 for a random B [64, n]. Its values do not change
    // the time of what is measured.
    private static NDArray spdMatrix(NDManager m, int n) {
        try (NDArray b = m.randomNormal(new Shape(64, n)); NDArray gram = b.transpose().matMul(b)) {
            return gram.div(64f).add(m.eye(n));
        }
    }
}
