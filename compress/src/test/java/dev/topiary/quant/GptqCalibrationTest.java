package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GptqCalibrationTest {

    private static List<NDArray> batches(NDManager manager, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<NDArray> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            int[] ids = new int[4 * 24];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(PackedModelTest.CONFIG.vocabSize());
            }
            batches.add(manager.create(ids, new Shape(4, 24)));
        }
        return batches;
    }

    @Test
    void layerZeroAttentionHessianIsThatOfTheNormalisedEmbeddings() {
        try (Llama model = Llama.random(PackedModelTest.CONFIG, 3, Device.cpu(), DataType.FLOAT32);
                NDManager manager = model.manager().newSubManager()) {
            List<NDArray> batches = batches(manager, 2, 1);
            NDArray h = recomputedHessian(model, batches, 0, Site.ATTENTION_NORM, 64, manager);
            assertEquals(new Shape(64, 64), h.getShape());
            // Layer 0's attention input is RMSNorm(embedding) with unit norm weights, so the trace of 2 X^T X / n is
            // 2/n * sum over tokens of 64 m / (m + eps), m the token embedding's mean square.
            float[] embed = model.parameters().get(LlamaLayout.EMBED_TOKENS).toFloatArray();
            double expected = 0;
            int n = 0;
            for (NDArray batch : batches) {
                for (int id : batch.toIntArray()) {
                    double m = 0;
                    for (int j = 0; j < 64; j++) {
                        m += embed[id * 64 + j] * embed[id * 64 + j] / 64.0;
                    }
                    expected += 64 * m / (m + PackedModelTest.CONFIG.rmsNormEps());
                    n++;
                }
            }
            expected *= 2.0 / n;
            float[] attention = h.toFloatArray();
            double trace = 0;
            for (int i = 0; i < 64; i++) {
                trace += attention[i * 64 + i];
            }
            assertEquals(expected, trace, 1e-4 * expected);
        }
    }

    @Test
    void calibratedInt4ModelTracksTheOriginalBetterThanRoundToNearest() {
        QuantScheme scheme = QuantScheme.int4(32);
        try (Llama model = Llama.random(PackedModelTest.CONFIG, 4, Device.cpu(), DataType.FLOAT32);
                NDManager manager = model.manager().newSubManager()) {
            List<NDArray> calibration = batches(manager, 3, 2);
            double gptq;
            double rtn;
            try (PackedModel q = GptqCalibration.quantize(model, scheme, calibration)) {
                gptq = logitError(model, q, calibration);
            }
            try (PackedModel q = ModelQuantizer.quantize(model, scheme)) {
                rtn = logitError(model, q, calibration);
            }
            // Measured 0.059 against 0.086 (0.060 when calibrated on the unquantized model throughout).
            assertTrue(gptq < 0.85 * rtn, "GPTQ logit error " + gptq + " vs round to nearest " + rtn);
        }
    }

    /**
     * Each weight of layer 1 is exactly what GPTQ makes of it with the Hessian measured on a model built from the
     * result: every weight quantized before it (all of layer 0, the earlier groups of layer 1) dequantized, the
     * others original. With the unquantized model's Hessian instead, the codes differ.
     */
    @Test
    void eachWeightIsCalibratedOnTheQuantizedPrefix() {
        QuantScheme scheme = QuantScheme.int4(32);
        try (Llama model = Llama.random(PackedModelTest.CONFIG, 6, Device.cpu(), DataType.FLOAT32);
                NDManager manager = model.manager().newSubManager();
                PackedModel q = GptqCalibration.quantize(model, scheme, batches(manager, 2, 3))) {
            List<NDArray> calibration = batches(manager, 2, 3);
            List<String> before = new ArrayList<>(LlamaLayout.linearWeights(PackedModelTest.CONFIG).subList(0, 7));
            Map<Site, List<String>> groups = new LinkedHashMap<>();
            groups.put(Site.ATTENTION_NORM, List.of(LlamaLayout.qProj(1), LlamaLayout.kProj(1), LlamaLayout.vProj(1)));
            groups.put(Site.ATTENTION_OUTPUT_INPUT, List.of(LlamaLayout.oProj(1)));
            groups.put(Site.MLP_NORM, List.of(LlamaLayout.gateProj(1), LlamaLayout.upProj(1)));
            groups.put(Site.MLP_DOWN_INPUT, List.of(LlamaLayout.downProj(1)));
            for (Map.Entry<Site, List<String>> group : groups.entrySet()) {
                NDArray first = model.parameters().get(group.getValue().get(0));
                int columns = (int) first.getShape().get(1);
                try (Llama prefix = withDequantized(model, q, before)) {
                    NDArray h = recomputedHessian(prefix, calibration, 1, group.getKey(), columns, manager);
                    for (String name : group.getValue()) {
                        QuantizedTensor expected = Gptq.quantize(model.parameters().get(name), h, scheme);
                        QuantizedTensor actual = q.quantized().get(name);
                        assertArrayEquals(expected.data(), actual.data(), name);
                        assertArrayEquals(expected.scales(), actual.scales(), name);
                        assertArrayEquals(expected.zeros(), actual.zeros(), name);
                    }
                }
                before.addAll(group.getValue());
            }
            NDArray unquantized = recomputedHessian(model, calibration, 1, Site.ATTENTION_NORM, 64, manager);
            QuantizedTensor fromOriginal = Gptq.quantize(model.parameters().get(LlamaLayout.qProj(1)), unquantized,
                    scheme);
            assertFalse(Arrays.equals(fromOriginal.data(), q.quantized().get(LlamaLayout.qProj(1)).data()),
                    "calibrating on the unquantized model gives the same codes: the check cannot tell them apart");
        }
    }

    @Test
    void theModelIsLeftAsItWas() {
        try (Llama model = Llama.random(PackedModelTest.CONFIG, 7, Device.cpu(), DataType.FLOAT32);
                NDManager manager = model.manager().newSubManager()) {
            Map<String, float[]> original = new LinkedHashMap<>();
            model.parameters().forEach((name, t) -> original.put(name, t.toFloatArray()));
            GptqCalibration.quantize(model, QuantScheme.INT8, batches(manager, 1, 4)).close();
            original.forEach((name, values) -> assertArrayEquals(values,
                    model.parameters().get(name).toFloatArray(), name));
            assertEquals(original.size(), model.parameters().size());
        }
    }

    @Test
    void noCalibrationDataIsAnError() {
        try (Llama model = Llama.random(PackedModelTest.CONFIG, 5, Device.cpu(), DataType.FLOAT32)) {
            assertThrows(TopiaryException.class, () -> GptqCalibration.quantize(model, QuantScheme.INT8, List.of()));
        }
    }

    /**
     * The Hessian of layer {@code layer}'s linear input at {@code site}, computed the direct way: each batch through
     * the whole model from its token ids (not carried layer by layer), the observer keeping that one site.
     */
    private static NDArray recomputedHessian(Llama model, List<NDArray> batches, int layer, Site site, int columns,
            NDManager target) {
        try (HessianAccumulator accumulator = new HessianAccumulator(columns, model.device())) {
            for (NDArray batch : batches) {
                try (NDScope scope = new NDScope()) {
                    model.forward(batch, (l, s, activation) -> {
                        if (l == layer && s == site) {
                            accumulator.add(activation);
                        }
                    }, Set.of());
                }
            }
            return accumulator.hessian(target);
        }
    }

    /** A separate model of {@code model}'s tensors, those named in {@code names} replaced by {@code q}'s values. */
    private static Llama withDequantized(Llama model, PackedModel q, Collection<String> names) {
        try (NDManager staging = Engines.engine().newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            model.parameters().forEach((name, t) -> tensors.put(name,
                    names.contains(name) ? q.quantized().get(name).dequantize(staging) : t.duplicate()));
            return Llama.fromParameters(model.config(), tensors, "partly dequantized test model");
        }
    }

    private static double logitError(Llama model, PackedModel q, List<NDArray> batches) {
        double diff = 0;
        double norm = 0;
        try (Llama dq = q.toLlama()) {
            for (NDArray batch : batches) {
                try (NDArray a = model.forward(batch); NDArray b = dq.forward(batch)) {
                    float[] x = a.toFloatArray();
                    float[] y = b.toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        diff += Math.pow(x[i] - y[i], 2);
                        norm += Math.pow(x[i], 2);
                    }
                }
            }
        }
        return Math.sqrt(diff / norm);
    }
}
