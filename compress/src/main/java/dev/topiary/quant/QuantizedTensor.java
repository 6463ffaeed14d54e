package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.NativeArrays;
import java.util.Arrays;

/**
 * A linear layer's weight {@code [out, in]} in quantized form, packed as it is stored: the codes, the scales and
 * (INT4) the zero points, in Java arrays. Immutable: accessors return copies.
 *
 * <p>Layouts, row-major:
 * <ul>
 *   <li>INT8: one signed byte per weight; scales {@code [out]}; value = code * scale[row].</li>
 *   <li>INT4: two codes per byte, low nibble first ({@link Nibbles}), so a row takes {@code in / 2} bytes; scales
 *       and zero points {@code [out, in / groupSize]}, one byte per zero point; value = (code - zero) * scale.</li>
 *   <li>FP8 E4M3: one {@link Fp8E4M3} code per weight; one scale; value = decode(code) * scale.</li>
 *   <li>GGUF's q8_0, q4_0, q4_1: as INT8 and INT4 with fp16-exact scales per 32 weights of a row (q4_1 keeps
 *       its min beside each scale); see {@link QuantScheme.Q8Block32} and its siblings.</li>
 * </ul>
 */
public final class QuantizedTensor {

    private final QuantScheme scheme;
    private final int rows;
    private final int columns;
    private final byte[] data;
    private final float[] scales;
    private final byte[] zeros;

    // Trusted: takes the arrays as they are (callers in this package build them for this tensor alone).
    QuantizedTensor(QuantScheme scheme, int rows, int columns, byte[] data, float[] scales, byte[] zeros) {
        this.scheme = scheme;
        this.rows = rows;
        this.columns = columns;
        this.data = data;
        this.scales = scales;
        this.zeros = zeros;
    }

    /**
     * A tensor from stored parts (a loaded checkpoint), copied and checked against the scheme's layout.
     *
     * @param name names the tensor in error messages
     * @throws TopiaryException when a part has the wrong length or a scale is not finite
     */
    public static QuantizedTensor of(String name, QuantScheme scheme, long[] shape, byte[] data, float[] scales,
            byte[] zeros) {
        checkShape(name, shape, scheme);
        int rows = (int) shape[0];
        int columns = (int) shape[1];
        checkLength(name, "packed data", data.length, scheme.dataBytes(rows, columns));
        checkLength(name, "scales", scales.length, scheme.scaleCount(rows, columns));
        checkLength(name, "zero points", zeros.length, scheme.zeroCount(rows, columns));
        for (float s : scales) {
            if (!Float.isFinite(s)) {
                throw new TopiaryException("quantized tensor " + name + " has scale " + s + "; scales must be finite");
            }
        }
        for (byte z : zeros) {
            if ((z & 0xFF) > Codes.INT4_MAX) {
                throw new TopiaryException("quantized tensor " + name + " has zero point " + (z & 0xFF)
                        + "; INT4 zero points must be in [0, 15]");
            }
        }
        return new QuantizedTensor(scheme, rows, columns, data.clone(), scales.clone(), zeros.clone());
    }

    /**
     * Quantizes {@code weight} with round to nearest.
     *
     * @throws TopiaryException when the weight is not a 2-D floating array with finite values, or (INT4) its input
     *     dimension is not a multiple of the group size
     */
    public static QuantizedTensor quantize(NDArray weight, QuantScheme scheme) {
        String name = weight.getName() == null ? "weight" : weight.getName();
        float[] w = weights(name, weight, scheme);
        int rows = (int) weight.getShape().get(0);
        int columns = (int) weight.getShape().get(1);
        byte[] data = new byte[scheme.dataBytes(rows, columns)];
        float[] scales = new float[scheme.scaleCount(rows, columns)];
        byte[] zeros = new byte[scheme.zeroCount(rows, columns)];
        scheme.fitScales(w, rows, columns, scales, zeros);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                scheme.store(w[r * columns + c], data, r * columns + c, scales, zeros, scheme.scaleIndex(r, c, columns));
            }
        }
        return new QuantizedTensor(scheme, rows, columns, data, scales, zeros);
    }

    public QuantScheme scheme() {
        return scheme;
    }

    /** The logical shape {@code [out, in]}. */
    public long[] shape() {
        return new long[] {rows, columns};
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    /** The packed codes (a copy): {@code out * in} bytes, or {@code out * in / 2} for INT4. */
    public byte[] data() {
        return data.clone();
    }

    /** The scales (a copy): one per row (INT8), per row and group (INT4), or one (FP8). */
    public float[] scales() {
        return scales.clone();
    }

    /** The INT4 zero points in [0, 15] (a copy), one byte each, laid out as the scales; empty for other schemes. */
    public byte[] zeros() {
        return zeros.clone();
    }

    /**
     * The codes and scales as blocks of the scheme's GGUF type ({@link QuantScheme#ggmlType()}), row-major, not
     * quantized again: GGUF's dequantizer gives exactly {@link #dequantizeToFloats()}.
     *
     * @throws TopiaryException when no GGUF type holds the scheme exactly
     */
    public byte[] ggmlBlocks() {
        return scheme.ggmlBlocks(data, scales, rows, columns);
    }

    /** The scale that applies to the weight at {@code (row, column)}. */
    public float scaleAt(int row, int column) {
        return scales[scaleIndex(row, column)];
    }

    /** Real bytes held: packed codes, fp32 scales and zero points. */
    public long storedBytes() {
        return data.length + (long) scales.length * Float.BYTES + zeros.length;
    }

    /** The dequantized value of the weight at {@code (row, column)}. */
    public float valueAt(int row, int column) {
        return scheme.value(data, row * columns + column, scales, zeros, scaleIndex(row, column));
    }

    /** All dequantized values, row-major. */
    public float[] dequantizeToFloats() {
        float[] out = new float[rows * columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[r * columns + c] = valueAt(r, c);
            }
        }
        return out;
    }

    /** The dequantized weight as an fp32 array {@code [out, in]} on {@code manager}'s device, computed in Java. */
    public NDArray dequantize(NDManager manager) {
        return NativeArrays.build(manager, new Shape(rows, columns), DataType.FLOAT32, (first, count, buffer) -> {
            for (long i = first; i < first + count; i++) {
                buffer.putFloat(valueAt((int) (i / columns), (int) (i % columns)));
            }
        });
    }

    @Override
    public String toString() {
        return "QuantizedTensor(" + scheme + ", [" + rows + ", " + columns + "], " + storedBytes() + " bytes)";
    }

    private int scaleIndex(int row, int column) {
        return scheme.scaleIndex(row, column, columns);
    }

    /**
     * Checks that a weight of {@code shape} can be quantized with {@code scheme}.
     *
     * @throws TopiaryException naming the tensor, its shape and what was expected
     */
    static void checkShape(String name, long[] shape, QuantScheme scheme) {
        if (shape.length != 2 || shape[0] <= 0 || shape[1] <= 0) {
            throw new TopiaryException("cannot quantize " + name + " of shape " + Arrays.toString(shape)
                    + ": expected a non-empty 2-D linear weight [out, in]");
        }
        if (shape[0] * shape[1] > Integer.MAX_VALUE - 8) {
            throw new TopiaryException("cannot quantize " + name + " of shape " + Arrays.toString(shape)
                    + ": more than 2^31 weights in one tensor is not supported");
        }
        if (scheme.groupSize() > 0 && shape[1] % scheme.groupSize() != 0) {
            throw new TopiaryException("cannot quantize " + name + " of shape " + Arrays.toString(shape) + " with "
                    + scheme + ": the input dimension " + shape[1] + " is not a multiple of the group size "
                    + scheme.groupSize());
        }
    }

    /** The weight's values as fp32, row-major, after checking it is a quantizable 2-D floating array. */
    static float[] weights(String name, NDArray weight, QuantScheme scheme) {
        checkShape(name, weight.getShape().getShape(), scheme);
        DataType type = weight.getDataType();
        if (!type.isFloating()) {
            throw new TopiaryException("cannot quantize " + name + " of type " + type
                    + ": expected a floating-point weight");
        }
        float[] w;
        if (type == DataType.FLOAT32) {
            w = weight.toFloatArray();
        } else {
            try (NDArray wide = weight.toType(DataType.FLOAT32, false)) {
                w = wide.toFloatArray();
            }
        }
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new TopiaryException("cannot quantize " + name + ": value " + w[i] + " at flat index " + i
                        + " is not finite");
            }
        }
        return w;
    }

    // Sets the 4-bit code at flat index i of a zero-initialised packed array (low nibble first).
    static void putNibble(byte[] packed, int i, int code) {
        packed[i >>> 1] |= (byte) (code << ((i & 1) * 4));
    }

    static float maxAbs(float[] w, int from, int count) {
        float m = 0;
        for (int i = from; i < from + count; i++) {
            m = Math.max(m, Math.abs(w[i]));
        }
        return m;
    }

    private static void checkLength(String name, String part, int actual, int expected) {
        if (actual != expected) {
            throw new TopiaryException("quantized tensor " + name + " has " + actual + " bytes/values of " + part
                    + "; its shape and scheme need " + expected);
        }
    }
}
