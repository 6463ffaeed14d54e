package dev.topiary.quant;

/**
 * GPTQ's view of a quantization grid while it fills a tensor: writes each column's codes into the packed arrays,
 * answers the dequantized value the error is measured against, and fits INT4 group scales and zero points when a
 * group starts.
 */
final class GptqGrid {
    private final QuantScheme scheme;
    private final int columns;
    private final int groupSize;
    private final byte[] data;
    private final float[] scales;
    private final byte[] zeros;

    GptqGrid(QuantScheme scheme, int columns, byte[] data, float[] scales, byte[] zeros) {
        this.scheme = scheme;
        this.columns = columns;
        this.groupSize = scheme.groupSize();
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
        return scheme.store(w, data, row * columns + column, scales, zeros, scheme.scaleIndex(row, column, columns));
    }
}
