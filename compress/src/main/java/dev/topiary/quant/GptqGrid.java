package dev.topiary.quant;

/**
 * GPTQ's view of a quantization grid while it fills a tensor: writes each column's codes into the packed arrays,
 * answers the dequantized value the error is measured against, and, where the scales are not all fitted before
 * the first column, has the scheme fit each group's scale parameters when the group starts. Columns are named by
 * their position in GPTQ's order; {@code order} maps a position to the tensor's column (null: the same).
 */
final class GptqGrid {
    private final QuantScheme scheme;
    private final int columns;
    private final int groupSize;
    private final int refitInterval;
    private final byte[] data;
    private final float[] scales;
    private final byte[] zeros;
    private final int[] order;

    /** {@code fitsGroups}: whether groups are fitted as GPTQ reaches them (columns left to right only). */
    GptqGrid(QuantScheme scheme, int columns, byte[] data, float[] scales, byte[] zeros, int[] order,
            boolean fitsGroups) {
        this.scheme = scheme;
        this.columns = columns;
        this.groupSize = scheme.groupSize();
        this.refitInterval = fitsGroups ? scheme.refitInterval() : 0;
        this.data = data;
        this.scales = scales;
        this.zeros = zeros;
        this.order = order;
    }

    boolean startsGroup(int position) {
        return refitInterval > 0 && position % refitInterval == 0;
    }

    // Scale parameters of row r's group reaching block column i (tensor column `column`), fitted by the scheme to
    // the row's current values, which already carry the errors of all earlier columns.
    void fitGroup(float[] values, int r, int size, int i, int column) {
        scheme.refitGroup(values, r * size + i, column % groupSize, scales, zeros, scheme.scaleIndex(r, column, columns));
    }

    float quantize(float w, int row, int position) {
        int column = order == null ? position : order[position];
        return scheme.store(w, data, row * columns + column, scales, zeros, scheme.scaleIndex(row, column, columns));
    }
}
