package dev.topiary;

import dev.topiary.quant.QuantScheme;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Weight precisions of {@link Model#quantize(Precision)}: the number formats Topiary stores packed. Each names one
 * {@link QuantScheme} family; the scheme adds the parameters (the INT4 group size) and the behaviour. GGUF's grids
 * belong to the families of their codes: {@link QuantScheme#q8_0()} is INT8, {@link QuantScheme#q4_0()} and
 * {@link QuantScheme#q4_1()} and {@link QuantScheme#q4_k()} are INT4, {@link QuantScheme#q6_k()} is INT6.
 */
public enum Precision {
    /** INT8, symmetric, one scale per output channel. */
    INT8("int8"),
    /** INT6, as GGUF's q6_K: super-blocks of 256 weights in sub-blocks of 16, each with an 8-bit scale. */
    INT6("q6_k"),
    /** INT4, asymmetric, one scale and zero point per group of input weights (128 by default). */
    INT4("int4"),
    /** FP8 E4M3, one scale per tensor. */
    FP8("fp8_e4m3");

    private final String schemeId;

    Precision(String schemeId) {
        this.schemeId = schemeId;
    }

    /**
     * The precision a user or a recipe names: {@code INT8}, {@code INT6}, {@code INT4}, {@code FP8}, or a scheme id
     * such as {@code fp8_e4m3}, in any case.
     *
     * @throws TopiaryException listing the valid names when {@code name} is none of them
     */
    public static Precision parse(String name) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(name) || p.schemeId.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new TopiaryException("unknown precision '" + name + "': expected "
                + Arrays.stream(values()).limit(values().length - 1).map(Precision::name)
                        .collect(Collectors.joining(", ")) + " or " + values()[values().length - 1]
                + " (in any case; " + FP8.schemeId.toUpperCase(Locale.ROOT) + " also names FP8)");
    }

    /** The precision of {@code scheme}: the family of its number format ({@link QuantScheme#precision()}). */
    public static Precision of(QuantScheme scheme) {
        return scheme.precision();
    }

    /**
     * The default scheme of this precision: INT4 in groups of {@value QuantScheme#DEFAULT_GROUP_SIZE}
     * ({@link QuantScheme#int4(int)} makes other groups).
     */
    public QuantScheme scheme() {
        return QuantScheme.of(schemeId, QuantScheme.DEFAULT_GROUP_SIZE);
    }
}
