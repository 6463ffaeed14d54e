package dev.topiary.cli;

import dev.topiary.Distillation;
import dev.topiary.Model;
import dev.topiary.ModelDefaults;
import dev.topiary.Monitor;
import dev.topiary.Training;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Distils a teacher into a student checkpoint with forward KL on the logits, Minitron's way. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Train --student to match --teacher's next-token distributions (forward KL, temperature 1) on"
                + " --data for --tokens tokens, and write the distilled student, with its recipe.json, to --output.")
final class DistillCommand implements Callable<Integer> {

    @Option(names = "--student", required = true, paramLabel = "DIR", description = "student checkpoint")
    Path student;

    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "teacher checkpoint")
    Path teacher;

    @Mixin
    DataOptions data;

    @Option(names = "--tokens", required = true, paramLabel = "N", description = "training tokens")
    long tokens;

    @Mixin
    OutputOptions output;

    @Mixin
    TrainingBatchOptions batches;

    @Option(names = "--lr", defaultValue = "" + ModelDefaults.MINITRON_LEARNING_RATE, paramLabel = "RATE",
            description = "peak learning rate (default: ${DEFAULT-VALUE}, decaying by cosine to a tenth)")
    double learningRate;

    @Option(names = "--warmup", defaultValue = "" + Training.DEFAULT_WARMUP_FRACTION, paramLabel = "FRACTION",
            description = "share of the steps spent warming up (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--temperature", defaultValue = "" + Distillation.DEFAULT_TEMPERATURE, paramLabel = "T",
            description = "default: ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--lm-loss", defaultValue = "" + Distillation.DEFAULT_LANGUAGE_MODEL_WEIGHT, paramLabel = "W",
            description = "weight of the language-modelling loss mixed in (default: ${DEFAULT-VALUE})")
    double languageModelWeight;

    @Option(names = "--teacher-correction", defaultValue = "0", paramLabel = "STEPS",
            description = "fine-tune the teacher on --data for this many steps first (default: none)")
    long correctionSteps;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu, gpu or gpu:N")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Training training = batches.applyTo(Training.tokens(tokens))
                .withLearningRate(learningRate).withWarmup(warmup);
        Distillation distillation = Distillation.defaults().withTraining(training).withTemperature(temperature)
                .withLanguageModelLoss(languageModelWeight).withTeacherCorrection(correctionSteps);
        training.totalSteps(); // a budget under one batch fails here, before any model is loaded
        Path target = output.checked("model");
        try (Model teacherModel = Model.load(teacher, device); Model studentModel = Model.load(student, device)) {
            Distillation run = distillation.withData(data.corpus(student));
            try (Model distilled = Monitor.run(CommandMonitor.on(spec.commandLine().getErr()),
                    () -> studentModel.distill(teacherModel, run))) {
                distilled.save(target, output.overwrite());
            }
        }
        spec.commandLine().getOut().println("wrote " + target);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
