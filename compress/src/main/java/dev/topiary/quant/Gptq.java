package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.JavaArrays;
import java.util.stream.IntStream;

/**
 * GPTQ (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"):
 * quantizes a linear weight column by column, left to right, and after each column spreads its quantization error
 * over the columns not yet quantized so that the layer's output on the calibration inputs changes least.
 *
 * <p>As the reference implementation ({@code gptq.py}, {@code fasterquant}): inputs that never fire (Hessian
 * diagonal 0) get diagonal 1 and weight 0; the Hessian is dampened by {@code percdamp} times its mean diagonal;
 * the error of column {@code i} is {@code (w - q) / U[i][i]} and updates the later columns through row {@code i} of
 * {@code U}, the upper Cholesky factor of {@code H^-1}; updates are applied lazily per block of columns, the block
 * in Java and the rest of the matrix with one matrix product per block. Group scales (and zero points or mins) are
 * fitted by the scheme when a group starts, from the weights as the errors of earlier columns left them; blocks are
 * sized so that a group never straddles two blocks, which makes that exact. INT8 row scales and the FP8 tensor scale
 * come from the original weights; FP8 rounds each value to the nearest E4M3 code of that scale. With
 * {@link GptqOptions#actOrder()} the columns are taken in the Hessian's order ({@link GptqHessian#order()}) and every
 * scale is fitted from the original weights before the first column.
 */
public final class Gptq {

    /** {@link #quantize(NDArray, NDArray, QuantScheme, GptqOptions)} with the reference's defaults. */
    public static QuantizedTensor quantize(NDArray weight, NDArray hessian, QuantScheme scheme) {
        return quantize(weight, hessian, scheme, GptqOptions.DEFAULT);
    }

    /**
     * Quantizes {@code weight} {@code [out, in]} with GPTQ given the layer's Hessian proxy {@code [in, in]}
     * ({@link HessianAccumulator}).
     *
     * @throws TopiaryException when the weight is not quantizable with the scheme, the Hessian's shape does not
     *     match, or it is not usable (not finite)
     */
    public static QuantizedTensor quantize(NDArray weight, NDArray hessian, QuantScheme scheme, GptqOptions options) {
        String name = name(weight);
        QuantizedTensor.checkShape(name, weight.getShape().getShape(), scheme);
        long columns = weight.getShape().get(1);
        if (!hessian.getShape().equals(new Shape(columns, columns))) {
            throw new TopiaryException("GPTQ of " + name + " " + weight.getShape() + ": the Hessian must be ["
                    + columns + ", " + columns + "], got " + hessian.getShape());
        }
        try (GptqHessian prepared = GptqHessian.prepare(hessian, scheme, options)) {
            return quantize(weight, prepared, scheme);
        }
    }

    /**
     * Quantizes {@code weight} with a Hessian already prepared for {@code scheme}, which weights reading the same
     * input share (q, k and v; gate and up): the inverse and its factorisation are the costly part.
     *
     * @throws TopiaryException when the scheme is not the one the Hessian was prepared for, or the weight does not
     *     fit the Hessian
     */
    public static QuantizedTensor quantize(NDArray weight, GptqHessian hessian, QuantScheme scheme) {
        String name = name(weight);
        float[] w = QuantizedTensor.weights(name, weight, scheme);
        int rows = (int) weight.getShape().get(0);
        int columns = (int) weight.getShape().get(1);
        if (columns != hessian.columns() || !scheme.equals(hessian.scheme())) {
            throw new TopiaryException("GPTQ of " + name + " " + weight.getShape() + " with " + scheme
                    + ": the Hessian was prepared for " + hessian.columns() + " inputs and " + hessian.scheme());
        }
        byte[] data = new byte[scheme.dataBytes(rows, columns)];
        float[] scales = new float[scheme.scaleCount(rows, columns)];
        byte[] zeros = new byte[scheme.zeroCount(rows, columns)];
        for (int c = 0; c < columns; c++) {
            if (hessian.isDead(c)) {
                // An input that is always zero: its weights never matter, so they are set to 0 (exact in every grid).
                for (int r = 0; r < rows; r++) {
                    w[r * columns + c] = 0;
                }
            }
        }
        int[] order = hessian.order();
        boolean fittedFirst = scheme.groupSize() == 0 || order != null;
        if (fittedFirst) {
            // As the reference: row (INT8) or tensor (FP8) scales from the weights before any error compensation,
            // and with act_order every group's too (static groups); compensated values beyond them saturate to the
            // largest code. Otherwise groups are fitted as GPTQ reaches them (GptqGrid.fitGroup).
            scheme.fitScales(w, rows, columns, scales, zeros);
        }
        try (NDManager work = hessian.manager().newSubManager()) {
            NDArray rest = JavaArrays.floats(work, order == null ? w : permutedColumns(w, rows, order),
                    new Shape(rows, columns));
            GptqGrid grid = new GptqGrid(scheme, columns, data, scales, zeros, order, !fittedFirst);
            for (CholeskyUpper.RowBlock block : hessian.factor()) {
                int size = block.size();
                NDArray head = rest.get(new NDIndex(":, :{}", size));
                float[] values = head.toFloatArray();
                head.close();
                float[] errors = quantizeBlock(grid, values, rows, block);
                if (block.right() != null) {
                    // The lazy batch update: all later columns take this block's errors in one matrix product.
                    NDArray tail = rest.get(new NDIndex(":, {}:", size));
                    NDArray err = JavaArrays.floats(work, errors, new Shape(rows, size));
                    NDArray spread = err.matMul(block.right());
                    NDArray next = tail.sub(spread);
                    next.attach(work);
                    tail.close();
                    err.close();
                    spread.close();
                    rest.close();
                    rest = next;
                }
            }
        }
        return new QuantizedTensor(scheme, rows, columns, data, scales, zeros);
    }

    // w [rows, columns] with column i of the result column order[i] of w.
    private static float[] permutedColumns(float[] w, int rows, int[] order) {
        int columns = order.length;
        float[] p = new float[w.length];
        for (int r = 0; r < rows; r++) {
            int at = r * columns;
            for (int i = 0; i < columns; i++) {
                p[at + i] = w[at + order[i]];
            }
        }
        return p;
    }

    private static String name(NDArray weight) {
        return weight.getName() == null ? "weight" : weight.getName();
    }

    // Columns of one block, left to right: quantize, record the scaled error, update the block's later columns. Rows
    // are independent here (a row's codes, scales and errors are its own), so they run in parallel, each in the
    // order the algorithm takes its columns.
    private static float[] quantizeBlock(GptqGrid grid, float[] values, int rows, CholeskyUpper.RowBlock block) {
        int size = block.size();
        double[] u = block.diagonal();
        float[] errors = new float[rows * size];
        IntStream.range(0, rows).parallel().forEach(r -> {
            int at = r * size;
            for (int i = 0; i < size; i++) {
                int column = block.start() + i;
                if (grid.startsGroup(column)) {
                    grid.fitGroup(values, r, size, i, column);
                }
                float q = grid.quantize(values[at + i], r, column);
                double e = (values[at + i] - q) / u[i * size + i];
                errors[at + i] = (float) e;
                for (int j = i + 1; j < size; j++) {
                    values[at + j] -= (float) (e * u[i * size + j]);
                }
            }
        });
        return errors;
    }
}
