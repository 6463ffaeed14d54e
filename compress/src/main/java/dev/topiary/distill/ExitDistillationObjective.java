package dev.topiary.distill;

import ai.djl.ndarray.NDArray;
import dev.topiary.llama.Llama;
import dev.topiary.train.Objective;
import java.util.List;

/**
 * Trains early-exit off-ramps by self-distillation: the sum over the ramps of {@code KL(final || ramp)}, the model's
 * own final next-token distribution as the teacher (detached, so no gradient reaches the trunk through it), at
 * temperature 1. With the trunk frozen, only the ramps learn, and the model's final logits stay what they were.
 */
public final class ExitDistillationObjective implements Objective {

    @Override
    public NDArray loss(Llama model, NDArray inputs, NDArray targets) {
        List<NDArray> logits = model.exitLogits(inputs);
        NDArray target = logits.get(logits.size() - 1).stopGradient();
        NDArray loss = null;
        for (NDArray ramp : logits.subList(0, logits.size() - 1)) {
            NDArray kl = DistillationObjective.klDivergence(target, ramp, 1);
            loss = loss == null ? kl : loss.add(kl);
        }
        return loss;
    }
}
