package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.topiary.Cancellation;
import dev.topiary.engine.Engines;
import dev.topiary.engine.Scalars;
import dev.topiary.llama.Llama;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one training loop of Topiary, for pre-training, fine-tuning and distillation alike: AdamW on a warm-up and
 * cosine schedule, global-norm gradient clipping, gradient accumulation, and dynamic loss scaling when the model
 * computes in fp16. It trains the model it is given in place: every parameter, or only those named (the rest stay
 * frozen: no gradient, no update, no weight decay).
 *
 * <p>Batches come by index from a {@link BatchSource}, so {@link TrainingState} can save a run and resume it to the
 * same next losses. Each step checks a {@link Cancellation} before it starts.
 */
public final class Trainer implements AutoCloseable {

    private final Llama model;
    private final Map<String, NDArray> trainable;
    private final Objective objective;
    private final TrainingOptions options;
    private final AdamW optimizer;
    private LossScaler scaler;
    private long step;
    private long tokens;

    /** Trains every parameter of {@code model}. */
    public Trainer(Llama model, Objective objective, TrainingOptions options) {
        this(model, model.parameters().keySet(), objective, options);
    }

    /**
     * Trains the parameters of {@code model} named in {@code trainable}; the others keep their values.
     *
     * @throws IllegalArgumentException when {@code trainable} is empty or names a parameter the model lacks
     */
    public Trainer(Llama model, Set<String> trainable, Objective objective, TrainingOptions options) {
        this.model = model;
        this.trainable = parametersNamed(model, trainable);
        this.objective = objective;
        this.options = options;
        this.trainable.values().forEach(p -> p.setRequiresGradient(true));
        this.optimizer = new AdamW(this.trainable, options.beta1(), options.beta2(), options.epsilon(),
                options.weightDecay());
        this.scaler = model.dataType() == DataType.FLOAT16 ? LossScaler.dynamic() : LossScaler.none();
    }

    private static Map<String, NDArray> parametersNamed(Llama model, Set<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a training needs at least one parameter to train, got none");
        }
        Map<String, NDArray> named = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> {
            if (names.contains(name)) {
                named.put(name, p);
            }
        });
        if (named.size() != names.size()) {
            throw new IllegalArgumentException("cannot train parameters the model does not have: "
                    + names.stream().filter(n -> !named.containsKey(n)).sorted().toList());
        }
        return named;
    }

    /** Optimizer steps taken (including skipped ones). */
    public long step() {
        return step;
    }

    public long tokens() {
        return tokens;
    }

    public Llama model() {
        return model;
    }

    public TrainingOptions options() {
        return options;
    }

    /**
     * Trains until the schedule's last step, telling {@code listener} of each step.
     *
     * @return the progress of each step taken by this call
     * @throws java.util.concurrent.CancellationException when cancelled; the model keeps the steps taken so far
     */
    public List<TrainingProgress> train(BatchSource batches, TrainingListener listener, Cancellation cancellation) {
        List<TrainingProgress> history = new ArrayList<>();
        while (step < options.schedule().totalSteps()) {
            cancellation.check("training");
            TrainingProgress progress = step(batches);
            history.add(progress);
            listener.onStep(progress);
        }
        return history;
    }

    /** One optimizer step over {@code accumulationSteps} micro-batches. */
    public TrainingProgress step(BatchSource batches) {
        // Any thread may train (a notebook runs each cell on a new one): the update must not be recorded.
        Engines.disableGradientsOnThisThread();
        long start = System.nanoTime();
        double lr = options.schedule().at(step);
        int accumulation = options.accumulationSteps();
        double lossSum = 0;
        long stepTokens = 0;
        for (int micro = 0; micro < accumulation; micro++) {
            TokenBatch batch = batches.batch(step * accumulation + micro);
            checkGeometry(batch);
            try (NDScope scope = new NDScope();
                    GradientCollector collector = model.manager().getEngine().newGradientCollector()) {
                NDManager m = model.manager();
                Shape shape = new Shape(batch.batchSize(), batch.sequenceLength());
                NDArray inputs = m.create(batch.inputs(), shape);
                NDArray targets = m.create(batch.targets(), shape);
                NDArray loss = objective.loss(model, inputs, targets);
                lossSum += loss.getFloat();
                collector.backward(loss.mul(Scalars.of(loss, (float) (scaler.scale() / accumulation))));
            }
            stepTokens += batch.tokens();
        }
        double norm = gradientNorm() / scaler.scale();
        boolean finite = Double.isFinite(norm);
        boolean take = scaler.update(finite);
        if (take) {
            double clip = options.maxGradNorm() > 0 && norm > options.maxGradNorm() ? options.maxGradNorm() / norm : 1;
            optimizer.step(lr, clip / scaler.scale());
        } else {
            optimizer.discardGradients();
        }
        step++;
        tokens += stepTokens;
        double seconds = (System.nanoTime() - start) / 1e9;
        return new TrainingProgress(step, options.schedule().totalSteps(), tokens, lossSum / accumulation, lr,
                stepTokens / seconds, !take);
    }

    private void checkGeometry(TokenBatch batch) {
        if (batch.batchSize() != options.batchSize() || batch.sequenceLength() != options.sequenceLength()) {
            throw new IllegalArgumentException("the batch source gives " + batch.batchSize() + " x "
                    + batch.sequenceLength() + " batches, but training is set up for " + options.batchSize() + " x "
                    + options.sequenceLength());
        }
    }

    /** The global L2 norm of all gradients as they stand (still loss-scaled), in one device round trip. */
    private double gradientNorm() {
        try (NDScope scope = new NDScope()) {
            NDList squares = new NDList();
            for (NDArray p : trainable.values()) {
                squares.add(p.getGradient().toType(DataType.FLOAT32, false).square().sum());
            }
            return Math.sqrt(NDArrays.stack(squares).sum().getFloat());
        }
    }

    AdamW optimizer() {
        return optimizer;
    }

    LossScaler scaler() {
        return scaler;
    }

    /** Puts the run back at a saved point: used by {@link TrainingState#restore}. */
    void resumeAt(long step, long tokens, LossScaler scaler) {
        this.step = step;
        this.tokens = tokens;
        this.scaler = scaler;
    }

    /** Frees the optimizer's state; the model stays, with gradients no longer recorded. */
    @Override
    public void close() {
        optimizer.close();
        trainable.values().forEach(p -> p.setRequiresGradient(false));
    }
}
