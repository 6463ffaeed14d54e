package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Precision32;
import dev.topiary.engine.Scalars;
import dev.topiary.llama.LinearInputs;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the activations entering every decoder linear layer are quantized, simulated exactly in the forward pass:
 * each token's vector (one row of {@code [B, T, channels]}) gets its own scale from its largest magnitude, computed
 * as the token arrives ("per-token dynamic"), and is rounded to the format's grid and mapped back. The LM head's
 * input stays in floating point, as in the usual W8A8 recipes.
 */
public enum ActivationScheme implements LinearInputs {

    /** Activations in floating point: a weight-only model (W8A16, W4A16). */
    NONE("none") {
        @Override
        public NDArray apply(NDArray input) {
            return input;
        }
    },

    /**
     * Symmetric INT8 per token: scale {@code s = max|x| / 127}, codes {@code clamp(round(x / s), -127, 127)} (ties
     * to even), values {@code code * s}.
     */
    INT8("int8") {
        @Override
        public NDArray apply(NDArray input) {
            NDArray x = Precision32.widen(input);
            NDArray scale = perTokenScale(x, 127f);
            NDArray codes = x.div(scale).round().clip(-127, 127);
            return back(codes.mul(scale), input);
        }
    },

    /**
     * FP8 E4M3 per token: scale {@code s = max|x| / 448} (E4M3's largest value), each {@code x / s} rounded to the
     * nearest E4M3 value (ties to even, subnormals included, as {@link Fp8E4M3#encode}), values {@code e4m3 * s}.
     */
    FP8("fp8_e4m3") {
        @Override
        public NDArray apply(NDArray input) {
            NDArray x = Precision32.widen(input);
            NDArray scale = perTokenScale(x, Fp8E4M3.MAX);
            NDArray y = x.div(scale);
            // E4M3 has 3 mantissa bits: in [2^e, 2^(e+1)) its values are 2^(e-3) apart, and below the smallest
            // normal (2^-6) the subnormals keep the spacing 2^-9. log2(0) is -inf, which the floor at -6 catches.
            NDArray exponent = y.abs().log2().floor().maximum(Scalars.of(y, -6f));
            NDArray spacing = Scalars.of(y, 2f).pow(exponent.sub(Scalars.of(y, 3f)));
            NDArray rounded = y.div(spacing).round().mul(spacing).clip(-Fp8E4M3.MAX, Fp8E4M3.MAX);
            return back(rounded.mul(scale), input);
        }
    };

    private final String id;

    ActivationScheme(String id) {
        this.id = id;
    }

    /** The name recipes and checkpoints record: {@code none}, {@code int8} or {@code fp8_e4m3}. */
    public String id() {
        return id;
    }

    /**
     * The scheme a user or a recipe names: its id or its constant's name, in any case ({@code fp8} names FP8).
     *
     * @throws TopiaryException listing the valid names when {@code name} is none of them
     */
    public static ActivationScheme parse(String name) {
        for (ActivationScheme s : values()) {
            if (s.id.equalsIgnoreCase(name) || s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new TopiaryException("unknown activation scheme '" + name + "': expected one of "
                + Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(", ")) + " (or "
                + Arrays.stream(values()).map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
                + ")");
    }

    // One scale per token, max|x| / top, [.., 1]; a token of zeros gets the smallest normal float, so its codes are 0.
    private static NDArray perTokenScale(NDArray x, float top) {
        NDArray scale = x.abs().max(new int[] {-1}, true).div(Scalars.of(x, top));
        return scale.maximum(Scalars.of(scale, Float.MIN_NORMAL));
    }

    private static NDArray back(NDArray values, NDArray like) {
        return values.getDataType() == like.getDataType() ? values : values.toType(like.getDataType(), false);
    }

    @Override
    public String toString() {
        return this == NONE ? "floating-point activations" : name() + " activations (per token)";
    }
}
