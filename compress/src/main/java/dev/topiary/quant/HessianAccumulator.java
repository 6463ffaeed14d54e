package dev.topiary.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;

/**
 * Accumulates GPTQ's Hessian proxy for one linear layer, {@code H = 2 X^T X / n}, from calibration inputs {@code X}
 * of that layer given batch by batch.
 *
 * <p>Each batch's {@code X^T X} is one fp32 matrix product (the inputs' own precision, as the reference computes it;
 * in float64 it took twice as long, a third of a 1B model's GPTQ). The sum over batches is kept in float64 so that
 * many batches add up without the drift of the reference implementation's fp32 running average;
 * {@link #hessian(NDManager)} scales it once at the end.
 */
public final class HessianAccumulator implements AutoCloseable {

    private final int columns;
    private final NDManager manager;
    private final NDArray sum;
    private long count;

    /** An empty accumulator for a layer with {@code columns} inputs, holding its sum on {@code device}. */
    public HessianAccumulator(int columns, Device device) {
        if (columns <= 0) {
            throw new TopiaryException("a Hessian needs a positive number of input columns, got " + columns);
        }
        this.columns = columns;
        this.manager = Engines.engine().newBaseManager(device);
        this.sum = manager.zeros(new Shape(columns, columns), DataType.FLOAT64);
        // The accumulator may be made inside a forward pass's NDScope (by an observer); the sum must outlive it.
        NDScope.unregister(sum);
    }

    /**
     * Adds calibration inputs {@code [..., in]}: every leading index is one sample (a token).
     *
     * @throws TopiaryException when the last dimension is not the layer's input size or the values are not floating
     */
    public void add(NDArray inputs) {
        long[] shape = inputs.getShape().getShape();
        if (shape.length == 0 || shape[shape.length - 1] != columns) {
            throw new TopiaryException("calibration inputs of shape " + inputs.getShape() + " do not fit a layer with "
                    + columns + " inputs: expected shape [..., " + columns + "]");
        }
        if (!inputs.getDataType().isFloating()) {
            throw new TopiaryException("calibration inputs must be floating point, got " + inputs.getDataType());
        }
        // Every intermediate is closed here: they attach to the caller's manager, which may live much longer.
        try (NDArray moved = inputs.toDevice(sum.getDevice(), true);
                NDArray flat = moved.reshape(-1, columns);
                NDArray x = flat.toType(DataType.FLOAT32, true);
                NDArray xt = x.transpose();
                NDArray xtx = xt.matMul(x);
                NDArray wide = xtx.toType(DataType.FLOAT64, true)) {
            sum.addi(wide);
            count += flat.getShape().get(0);
        }
    }

    /** Samples (rows of X) added so far. */
    public long count() {
        return count;
    }

    /** The layer's input size. */
    public int columns() {
        return columns;
    }

    /**
     * {@code 2 X^T X / n} as an fp32 array {@code [in, in]} attached to {@code target}.
     *
     * @throws TopiaryException when no samples have been added
     */
    public NDArray hessian(NDManager target) {
        if (count == 0) {
            throw new TopiaryException("no calibration inputs were added: the Hessian of a " + columns
                    + "-input layer needs at least one sample");
        }
        try (NDArray scaled = sum.mul(2.0 / count)) {
            NDArray h = scaled.toType(DataType.FLOAT32, true);
            h.attach(target);
            return h;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
