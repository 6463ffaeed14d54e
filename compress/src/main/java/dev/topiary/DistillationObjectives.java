package dev.topiary;

import dev.topiary.distill.DistillationObjective;
import dev.topiary.distill.HiddenStateLoss;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizationAwareObjective;
import dev.topiary.train.Objective;

/** Turns a {@link Distillation} into the objective the trainer minimises, checking it can apply before any work. */
final class DistillationObjectives {

    private DistillationObjectives() {}

    /**
     * @throws TopiaryException when teacher and student differ in vocabulary or device, the hidden-state loss is asked
     *     for a student not pruned from this teacher, or the student's layers do not divide into the
     *     quantization-aware INT4 groups
     */
    static void check(Model teacher, Model student, Distillation run) {
        if (!teacher.llama().device().equals(student.llama().device())) {
            throw new TopiaryException("the teacher is on " + teacher.llama().device() + " and the student on "
                    + student.llama().device() + ": load both on the same device");
        }
        logits(teacher, student, run).checkStudent(student.config());
        if (run.quantizationAware() != null) {
            quantizationAwareScheme(run, student).checkFits(student.config());
        }
    }

    /** The loss of {@code run} for a student of {@code student}'s architecture, taught by {@code teacher}. */
    static Objective build(Model teacher, Model student, Distillation run) {
        Objective objective = logits(teacher, student, run);
        return run.quantizationAware() == null ? objective
                : new QuantizationAwareObjective(objective, quantizationAwareScheme(run, student));
    }

    /**
     * The scheme quantization-aware distillation fake-quantizes {@code student} to: the precision's default, INT4's
     * groups of 128 made to fit the student ({@link QuantScheme#fittedTo}).
     */
    static QuantScheme quantizationAwareScheme(Distillation run, Model student) {
        return run.quantizationAware().scheme().fittedTo(student.config());
    }

    private static DistillationObjective logits(Model teacher, Model student, Distillation run) {
        DistillationObjective objective = new DistillationObjective(teacher.llama(), run.temperature(),
                run.languageModelWeight());
        if (run.hiddenStateWeight() == 0) {
            return objective;
        }
        Derivation derivation = student.derivation();
        boolean prunedFromTeacher = teacher.derivation().isIdentity(teacher.config())
                && derivation.origin().hiddenSize() == teacher.config().hiddenSize()
                && derivation.origin().numHiddenLayers() == teacher.config().numHiddenLayers();
        if (!prunedFromTeacher) {
            throw new TopiaryException("the hidden-state loss compares each student layer with the teacher layer and"
                    + " channels it was pruned from, so it needs a student pruned from this teacher's architecture ("
                    + teacher.config().numHiddenLayers() + " layers, hidden " + teacher.config().hiddenSize() + ")");
        }
        return objective.withHiddenStateLoss(HiddenStateLoss.of(run.hiddenStateWeight())
                .withLayerMap(derivation.layers()).withTeacherChannels(derivation.hiddenChannels()));
    }
}
