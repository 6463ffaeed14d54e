package dev.topiary.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Precision32;
import dev.topiary.engine.Scalars;
import dev.topiary.llama.ActivationObserver;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.train.LanguageModelLoss;
import dev.topiary.train.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Distillation as Minitron does it: the forward KL divergence {@code KL(teacher || student)} between the
 * next-token distributions at every position, at a temperature (1 by default, scaled by T^2 so gradients keep their
 * size), optionally mixed with the ordinary language-modelling loss and with a {@link HiddenStateLoss} (cosine
 * distance between matched layer outputs). The teacher only runs forward, once per batch and without gradients; its
 * weights are never updated.
 */
public final class DistillationObjective implements Objective {

    private final Llama teacher;
    private final double temperature;
    private final double languageModelWeight;
    private final HiddenStateLoss hiddenStateLoss;

    /**
     * @param temperature softens both distributions; must be positive
     * @param languageModelWeight weight of the cross-entropy on the true next tokens (0 for pure distillation)
     */
    public DistillationObjective(Llama teacher, double temperature, double languageModelWeight) {
        this(teacher, temperature, languageModelWeight, null);
    }

    private DistillationObjective(Llama teacher, double temperature, double languageModelWeight,
            HiddenStateLoss hiddenStateLoss) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("distillation temperature must be positive, got " + temperature);
        }
        if (!(languageModelWeight >= 0)) {
            throw new IllegalArgumentException("the LM-loss weight must be >= 0, got " + languageModelWeight);
        }
        this.teacher = teacher;
        this.temperature = temperature;
        this.languageModelWeight = languageModelWeight;
        this.hiddenStateLoss = hiddenStateLoss;
    }

    /** Pure forward KL at temperature 1, Minitron's setting. */
    public static DistillationObjective minitron(Llama teacher) {
        return new DistillationObjective(teacher, 1, 0);
    }

    /** This objective plus the hidden-state cosine term {@code hiddenStateLoss} (replacing any it had). */
    public DistillationObjective withHiddenStateLoss(HiddenStateLoss hiddenStateLoss) {
        return new DistillationObjective(teacher, temperature, languageModelWeight,
                Objects.requireNonNull(hiddenStateLoss, "hiddenStateLoss"));
    }

    /**
     * Checks, before any training, that this objective can teach a student of this architecture: same vocabulary as
     * the teacher, and a hidden-state layer map and channel selection (if any) that fit both models.
     *
     * @throws TopiaryException naming what does not fit
     */
    public void checkStudent(LlamaConfig student) {
        LlamaConfig config = teacher.config();
        if (student.vocabSize() != config.vocabSize()) {
            throw new TopiaryException("the teacher's vocabulary (" + config.vocabSize()
                    + " tokens) differs from the student's (" + student.vocabSize()
                    + "): distillation compares their next-token distributions token by token");
        }
        if (hiddenStateLoss != null) {
            hiddenStateLoss.check(config, student);
        }
    }

    @Override
    public NDArray loss(Llama student, NDArray inputs, NDArray targets) {
        checkStudent(student.config());
        if (hiddenStateLoss == null) {
            NDArray teacherLogits = teacher.forward(inputs).stopGradient();
            return logitLoss(teacherLogits, student.forward(inputs), targets);
        }
        int[] layerMap = hiddenStateLoss.resolvedLayerMap(student.config().numHiddenLayers());
        Map<Integer, NDArray> teacherHidden = new HashMap<>();
        NDArray teacherLogits = teacher.forward(inputs, teacherObserver(inputs, layerMap, teacherHidden), Set.of())
                .stopGradient();
        teacherHidden.values().forEach(NDScope::register);
        List<NDArray> distances = new ArrayList<>();
        NDArray studentLogits = student.forward(inputs, (layer, site, output) -> {
            if (site == ActivationObserver.Site.LAYER_OUTPUT) {
                NDArray distance = cosineDistance(output, teacherHidden.get(layerMap[layer]));
                NDScope.unregister(distance);
                distances.add(distance);
            }
        }, Set.of());
        distances.forEach(NDScope::register);
        NDArray meanDistance = NDArrays.stack(new NDList(distances)).mean();
        NDArray hiddenTerm = meanDistance.mul(Scalars.of(meanDistance, (float) hiddenStateLoss.weight()));
        return logitLoss(teacherLogits, studentLogits, targets).add(hiddenTerm);
    }

    /**
     * Keeps the output of each teacher layer in {@code layerMap}, projected onto the student's channels and
     * detached from any graph, in {@code kept}; the arrays outlive the forward pass's scope, and the caller
     * registers them in its own.
     */
    private ActivationObserver teacherObserver(NDArray inputs, int[] layerMap, Map<Integer, NDArray> kept) {
        Set<Integer> wanted = new HashSet<>();
        Arrays.stream(layerMap).forEach(wanted::add);
        int[] channels = hiddenStateLoss.teacherChannels();
        NDArray index = channels == null ? null : inputs.getManager()
                .create(Arrays.stream(channels).asLongStream().toArray()).toDevice(teacher.device(), false);
        return (layer, site, output) -> {
            if (site == ActivationObserver.Site.LAYER_OUTPUT && wanted.contains(layer)) {
                NDArray projected = index == null ? output : output.get(new NDIndex(":, :, {}", index));
                NDArray target = projected.stopGradient();
                NDScope.unregister(target);
                kept.put(layer, target);
            }
        };
    }

    /** The temperature-scaled KL term, plus the weighted LM loss when there is one. */
    private NDArray logitLoss(NDArray teacherLogits, NDArray studentLogits, NDArray targets) {
        NDArray kl = klDivergence(teacherLogits, studentLogits, temperature);
        NDArray loss = kl.mul(Scalars.of(kl, (float) (temperature * temperature)));
        if (languageModelWeight > 0) {
            NDArray languageModel = LanguageModelLoss.mean(studentLogits, targets);
            loss = loss.add(languageModel.mul(Scalars.of(languageModel, (float) languageModelWeight)));
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
        NDArray inverse = Scalars.of(studentLogits, (float) (1 / temperature));
        NDArray teacherLog = Precision32.widen(teacherLogits).mul(inverse).logSoftmax(-1);
        NDArray studentLog = Precision32.widen(studentLogits).mul(inverse).logSoftmax(-1);
        return teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(new int[] {-1}).mean();
    }

    /**
     * Mean over positions of {@code 1 - cos(student, teacher)}, the cosine taken over the last axis (in fp32; a
     * product of norms below 1e-8 counts as 1e-8, so a zero vector is at distance 1 rather than NaN).
     *
     * @param studentHidden {@code [B, T, H]}
     * @param teacherHidden {@code [B, T, H]}, already projected onto the student's channels
     */
    public static NDArray cosineDistance(NDArray studentHidden, NDArray teacherHidden) {
        NDArray s = Precision32.widen(studentHidden);
        NDArray t = Precision32.widen(teacherHidden);
        NDArray dot = s.mul(t).sum(new int[] {-1});
        NDArray norms = s.norm(new int[] {-1}).mul(t.norm(new int[] {-1}));
        norms = norms.maximum(Scalars.of(norms, 1e-8f));
        return dot.div(norms).neg().add(1f).mean();
    }
}
