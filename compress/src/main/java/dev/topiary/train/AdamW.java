package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.topiary.TopiaryException;
import dev.topiary.engine.InPlace;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), updating parameters in place.
 *
 * <p>Moments (and, for half-precision models, fp32 master copies of the weights) live in the optimizer's own
 * manager, outside any per-step scope. Weight decay applies to matrices only, not to norm weights, as is usual for
 * transformers. Each update also clears the gradients it consumed, ready for the next accumulation.
 */
public final class AdamW implements AutoCloseable {

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> masters = new LinkedHashMap<>();
    private long steps;

    public AdamW(Map<String, NDArray> parameters, double beta1, double beta2, double epsilon, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.parameters = parameters;
        NDArray any = parameters.values().iterator().next();
        this.manager = any.getManager().getEngine().newBaseManager(any.getDevice());
        parameters.forEach((name, p) -> {
            firstMoments.put(name, manager.zeros(p.getShape(), DataType.FLOAT32));
            secondMoments.put(name, manager.zeros(p.getShape(), DataType.FLOAT32));
            if (p.getDataType() != DataType.FLOAT32) {
                NDArray master = p.toType(DataType.FLOAT32, true);
                master.attach(manager);
                masters.put(name, master);
            }
        });
    }

    /**
     * One update at learning rate {@code lr}, with gradients multiplied by {@code gradientScale} first (which
     * undoes loss scaling and accumulation, and applies clipping).
     */
    public void step(double lr, double gradientScale) {
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        parameters.forEach((name, p) -> {
            NDArray weight = masters.getOrDefault(name, p);
            // Every array made here is a temporary (in-place updates return their receiver): the scope frees them.
            try (NDScope scope = new NDScope()) {
                NDArray gradient = p.getGradient();
                NDArray grad = gradient.toType(DataType.FLOAT32, true).muli((float) gradientScale);
                NDArray m = firstMoments.get(name);
                NDArray v = secondMoments.get(name);
                m.muli((float) beta1).addi(grad.mul((float) (1 - beta1)));
                v.muli((float) beta2).addi(grad.square().muli((float) (1 - beta2)));
                if (weightDecay > 0 && p.getShape().dimension() > 1) {
                    weight.muli((float) (1 - lr * weightDecay));
                }
                NDArray denominator = v.div((float) correction2).sqrt().addi((float) epsilon);
                weight.subi(m.div(denominator).muli((float) (lr / correction1)));
                if (weight != p) {
                    InPlace.copy(weight, p);
                }
                gradient.subi(gradient);
            }
        });
    }

    /** Clears the gradients without updating, for a step skipped because they overflowed. */
    public void discardGradients() {
        parameters.values().forEach(p -> {
            try (NDScope scope = new NDScope()) {
                NDArray gradient = p.getGradient();
                // Overflowed gradients hold infinities or NaN, which subtracting from themselves would keep.
                InPlace.zero(gradient);
            }
        });
    }

    /** Updates taken so far. */
    public long steps() {
        return steps;
    }

    /**
     * The optimizer's state by name ({@code m.NAME}, {@code v.NAME}, {@code master.NAME}), for checkpoints; live
     * arrays, not copies.
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        firstMoments.forEach((name, a) -> state.put("m." + name, a));
        secondMoments.forEach((name, a) -> state.put("v." + name, a));
        masters.forEach((name, a) -> state.put("master." + name, a));
        return state;
    }

    /** Restores state saved from {@link #state()} after {@code steps} updates. */
    public void restore(Map<String, NDArray> saved, long steps) {
        state().forEach((name, live) -> {
            NDArray value = saved.get(name);
            if (value == null || !value.getShape().equals(live.getShape())) {
                throw new TopiaryException("optimizer state " + name + " is "
                        + (value == null ? "missing" : "of shape " + value.getShape() + ", expected " + live.getShape()));
            }
            InPlace.copy(value, live);
        });
        this.steps = steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
