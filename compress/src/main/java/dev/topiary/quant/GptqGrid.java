package dev.topiary.quant;

/**
 * GPTQ's view of a quantization grid while it fills a tensor: writes each column's codes into the packed arrays,
 * answers the dequantized value the error is measured against, and fits INT4 group scales and zero points when a
 * group starts.
 */
final class GptqGrid {
    private final int columns;
    private final int groupSize;
    private final boolean fp8;
    private final byte[] data;
    private final float[] scales;
    private final byte[] zeros;

    GptqGrid(QuantScheme scheme, int columns, byte[] data, float[] scales, byte[] zeros) {
        this.columns = columns;
        this.groupSize = scheme instanceof QuantScheme.Int4Grouped g ? g.groupSize() : 0;
        this.fp8 = scheme instanceof QuantScheme.Fp8E4M3PerTensor;
        this.data = data;
        this.scales = scales;
        this.zeros = zeros;
    }

    boolean startsGroup(int column) {
        return groupSize > 0 && column % groupSize == 0;
    }

    // Scale and zero point of every row's group starting at block column i (tensor column `column`), from the
    // current values, which already carry the errors of all earlier columns.
    void fitGroup(float[] values, int rows, int size, int i, int column) {
        int groups = columns / groupSize;
        for (int r = 0; r < rows; r++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = i; j < i + groupSize; j++) {
                min = Math.min(min, values[r * size + j]);
                max = Math.max(max, values[r * size + j]);
            }
            float scale = Codes.int4Scale(min, max);
            int g = r * groups + column / groupSize;
            scales[g] = scale;
            zeros[g] = (byte) Codes.int4Zero(min, scale);
        }
    }

    float quantize(float w, int row, int column) {
        int i = row * columns + column;
        if (fp8) {
            byte code = Codes.fp8Code(w, scales[0]);
            data[i] = code;
            return Codes.fp8Value(code, scales[0]);
        }
        if (groupSize == 0) {
            float scale = scales[row];
            byte code = Codes.int8Code(w, scale);
            data[i] = code;
            return Codes.int8Value(code, scale);
        }
        int g = row * (columns / groupSize) + column / groupSize;
        int code = Codes.int4Code(w, scales[g], zeros[g]);
        QuantizedTensor.putNibble(data, i, code);
        return Codes.int4Value(code, scales[g], zeros[g]);
    }
}
