package dev.topiary.distill;

import ai.djl.ndarray.NDArray;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Precision32;
import dev.topiary.llama.Llama;
import dev.topiary.train.LanguageModelLoss;
import dev.topiary.train.Objective;

/**
 * Logit distillation as Minitron does it: the forward KL divergence {@code KL(teacher || student)} between the
 * next-token distributions at every position, at a temperature (1 by default, scaled by T^2 so gradients keep their
 * size), optionally mixed with the ordinary language-modelling loss. The teacher only runs forward; its weights
 * are never updated.
 */
public final class DistillationObjective implements Objective {

    private final Llama teacher;
    private final double temperature;
    private final double languageModelWeight;

    /**
     * @param temperature softens both distributions; must be positive
     * @param languageModelWeight weight of the cross-entropy on the true next tokens (0 for pure distillation)
     */
    public DistillationObjective(Llama teacher, double temperature, double languageModelWeight) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("distillation temperature must be positive, got " + temperature);
        }
        if (!(languageModelWeight >= 0)) {
            throw new IllegalArgumentException("the LM-loss weight must be >= 0, got " + languageModelWeight);
        }
        this.teacher = teacher;
        this.temperature = temperature;
        this.languageModelWeight = languageModelWeight;
    }

    /** Pure forward KL at temperature 1, Minitron's setting. */
    public static DistillationObjective minitron(Llama teacher) {
        return new DistillationObjective(teacher, 1, 0);
    }

    @Override
    public NDArray loss(Llama student, NDArray inputs, NDArray targets) {
        if (student.config().vocabSize() != teacher.config().vocabSize()) {
            throw new TopiaryException("the teacher's vocabulary (" + teacher.config().vocabSize()
                    + " tokens) differs from the student's (" + student.config().vocabSize()
                    + "): distillation compares their next-token distributions token by token");
        }
        NDArray teacherLogits = teacher.forward(inputs).stopGradient();
        NDArray studentLogits = student.forward(inputs);
        NDArray loss = klDivergence(teacherLogits, studentLogits, temperature).mul((float) (temperature * temperature));
        if (languageModelWeight > 0) {
            loss = loss.add(LanguageModelLoss.mean(studentLogits, targets).mul((float) languageModelWeight));
        }
        return loss;
    }

    /**
     * Mean over positions of {@code KL(softmax(teacher / T) || softmax(student / T))}, in nats.
     *
     * @param teacherLogits {@code [B, T, V]}
     * @param studentLogits {@code [B, T, V]}
     */
    public static NDArray klDivergence(NDArray teacherLogits, NDArray studentLogits, double temperature) {
        float inverse = (float) (1 / temperature);
        NDArray teacherLog = Precision32.widen(teacherLogits).mul(inverse).logSoftmax(-1);
        NDArray studentLog = Precision32.widen(studentLogits).mul(inverse).logSoftmax(-1);
        return teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(new int[] {-1}).mean();
    }
}
