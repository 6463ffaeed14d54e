package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.engine.JavaArrays;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A layer's Hessian proxy prepared for {@link Gptq}: which inputs are dead (diagonal 0), and the upper Cholesky
 * factor of the dampened inverse, by blocks of columns sized for one scheme. Preparing is the costly part of GPTQ
 * (an inverse and a factorisation of an {@code in x in} matrix), so weights that read the same input share one.
 *
 * <p>As the reference implementation: dead inputs get diagonal 1, then {@code percdamp} times the mean diagonal is
 * added to every diagonal entry; with {@code act_order} the inputs are put in order of decreasing diagonal (ties by
 * index) first, and the factor is that of the permuted matrix. The inverse and the factorisation run in float64 on
 * the Hessian's device.
 */
public final class GptqHessian implements AutoCloseable {

    private static final int BLOCK = 128;

    private final QuantScheme scheme;
    private final int columns;
    private final boolean[] dead;
    private final int[] order;
    private final List<CholeskyUpper.RowBlock> factor;
    private final NDManager manager;

    private GptqHessian(QuantScheme scheme, int columns, boolean[] dead, int[] order,
            List<CholeskyUpper.RowBlock> factor, NDManager manager) {
        this.scheme = scheme;
        this.columns = columns;
        this.dead = dead;
        this.order = order;
        this.factor = factor;
        this.manager = manager;
    }

    /**
     * Prepares {@code hessian} ({@code [in, in]}, floating) for quantizing with {@code scheme}.
     *
     * @throws TopiaryException when the Hessian is not square and floating, has a negative or non-finite diagonal,
     *     or is not positive definite even after dampening
     */
    public static GptqHessian prepare(NDArray hessian, QuantScheme scheme, GptqOptions options) {
        Shape shape = hessian.getShape();
        if (shape.dimension() != 2 || shape.get(0) != shape.get(1) || shape.get(0) == 0
                || !hessian.getDataType().isFloating()) {
            throw new TopiaryException("a GPTQ Hessian must be a square floating [in, in] array, got "
                    + hessian.getDataType() + " " + shape);
        }
        int columns = (int) shape.get(0);
        NDManager manager = Engines.engine().newBaseManager(hessian.getDevice());
        try {
            NDArray h;
            try (NDArray moved = hessian.toDevice(manager.getDevice(), true)) {
                h = moved.toType(DataType.FLOAT64, true);
            }
            h.attach(manager);
            double[] diagonal = diagonal(h);
            boolean[] dead = new boolean[columns];
            double[] added = new double[columns];
            double mean = 0;
            for (int c = 0; c < columns; c++) {
                if (!Double.isFinite(diagonal[c]) || diagonal[c] < 0) {
                    throw new TopiaryException("the GPTQ Hessian's diagonal at " + c + " is " + diagonal[c]
                            + "; a Hessian 2 X^T X / n has a finite non-negative diagonal");
                }
                dead[c] = diagonal[c] == 0;
                added[c] = dead[c] ? 1 : 0;
                mean += diagonal[c] + added[c];
            }
            double damp = options.percdamp() * mean / columns;
            for (int c = 0; c < columns; c++) {
                added[c] += damp;
            }
            int[] order = null;
            if (options.actOrder()) {
                double[] effective = new double[columns];
                for (int c = 0; c < columns; c++) {
                    effective[c] = diagonal[c] + (dead[c] ? 1 : 0);
                }
                order = IntStream.range(0, columns).boxed()
                        .sorted(Comparator.comparingDouble((Integer c) -> -effective[c]).thenComparingInt(c -> c))
                        .mapToInt(Integer::intValue).toArray();
                h = permuted(h, order, manager);
                double[] permutedAdded = new double[columns];
                for (int c = 0; c < columns; c++) {
                    permutedAdded[c] = added[order[c]];
                }
                added = permutedAdded;
            }
            NDArray inverse;
            // Each n x n temporary is closed at once: for a 14336-input down projection one is 1.6 GB in float64.
            try (NDArray eye = manager.eye(columns, columns, 0, DataType.FLOAT64);
                    NDArray addedRow = JavaArrays.doubles(manager, added, new Shape(1, columns));
                    NDArray addedDiagonal = eye.mul(addedRow);
                    NDArray dampened = h.add(addedDiagonal)) {
                h.close();
                inverse = dampened.inverse();
            }
            inverse.attach(manager);
            List<CholeskyUpper.RowBlock> factor = CholeskyUpper.factor(inverse, blockSize(columns, scheme), manager);
            inverse.close();
            return new GptqHessian(scheme, columns, dead, order, factor, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The scheme the factor's blocks are sized for. */
    public QuantScheme scheme() {
        return scheme;
    }

    /** The layer's input size. */
    public int columns() {
        return columns;
    }

    /** Whether input {@code column} never fired in calibration (its Hessian diagonal was 0). */
    public boolean isDead(int column) {
        return dead[column];
    }

    /**
     * The order GPTQ quantizes the columns in: {@code order()[i]} is the tensor column quantized {@code i}-th, and
     * the factor's rows and columns are in this order; null for left to right.
     */
    int[] order() {
        return order;
    }

    List<CholeskyUpper.RowBlock> factor() {
        return factor;
    }

    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }

    // 128 columns, or a multiple of the INT4 group size, so that every group lies within one block and its scale
    // is fitted to weights that carry the errors of every earlier column.
    static int blockSize(int columns, QuantScheme scheme) {
        int block = BLOCK;
        int group = scheme.groupSize();
        if (group > 0) {
            block = group >= BLOCK ? group : BLOCK - BLOCK % group;
        }
        return Math.min(block, columns);
    }

    // h[order][:, order], attached to `manager`; h is closed.
    private static NDArray permuted(NDArray h, int[] order, NDManager manager) {
        long[] index = Arrays.stream(order).asLongStream().toArray();
        try (NDArray rows = JavaArrays.longs(manager, index, new Shape(index.length));
                NDArray byRow = h.get(new NDIndex("{}", rows))) {
            h.close();
            NDArray both = byRow.get(new NDIndex(":, {}", rows));
            both.attach(manager);
            return both;
        }
    }

    // The diagonal of a square matrix, one diagonal block at a time so that no second n x n array is made.
    private static double[] diagonal(NDArray h) {
        int n = (int) h.getShape().get(0);
        double[] d = new double[n];
        for (int start = 0; start < n; start += BLOCK) {
            int size = Math.min(BLOCK, n - start);
            try (NDArray block = h.get(new NDIndex("{}:{}, {}:{}", start, start + size, start, start + size))) {
                double[] values = block.toDoubleArray();
                for (int i = 0; i < size; i++) {
                    d[start + i] = values[i * size + i];
                }
            }
        }
        return d;
    }
}
