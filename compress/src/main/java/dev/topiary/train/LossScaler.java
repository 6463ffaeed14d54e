package dev.topiary.train;

/**
 * Dynamic loss scaling for half-precision training: the loss is multiplied by a large factor before the backward
 * pass so small gradients survive fp16, and the gradients divided by it before the update. When gradients
 * overflow the step is skipped and the factor halved; after a run of good steps it is doubled again.
 */
public final class LossScaler {

    /** The factor a run starts with (2^16, as PyTorch's GradScaler). */
    public static final double INITIAL_SCALE = 65536;
    /** Good steps in a row before the factor doubles. */
    public static final int GROWTH_INTERVAL = 2000;

    private double scale;
    private int goodSteps;

    /** A scaler that scales, for fp16 training. */
    public static LossScaler dynamic() {
        return new LossScaler(INITIAL_SCALE, 0);
    }

    /** A scaler that never scales, for fp32 training (overflowed steps are still skipped). */
    public static LossScaler none() {
        return new LossScaler(1, Integer.MIN_VALUE);
    }

    LossScaler(double scale, int goodSteps) {
        this.scale = scale;
        this.goodSteps = goodSteps;
    }

    public double scale() {
        return scale;
    }

    int goodSteps() {
        return goodSteps;
    }

    /** Records whether this step's gradients were finite; returns whether the step should be taken. */
    public boolean update(boolean finite) {
        boolean dynamic = goodSteps != Integer.MIN_VALUE;
        if (!finite) {
            if (dynamic) {
                scale = Math.max(1, scale / 2);
                goodSteps = 0;
            }
            return false;
        }
        if (dynamic && ++goodSteps >= GROWTH_INTERVAL) {
            scale *= 2;
            goodSteps = 0;
        }
        return true;
    }
}
