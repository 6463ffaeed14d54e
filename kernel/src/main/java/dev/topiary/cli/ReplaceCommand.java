package dev.topiary.cli;

import dev.topiary.Model;
import dev.topiary.ModelDefaults;
import dev.topiary.ModuleReplacing;
import dev.topiary.Monitor;
import dev.topiary.Training;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Makes a compact successor of a checkpoint by module replacing, BERT-of-Theseus's way. */
@Command(name = "replace", mixinStandardHelpOptions = true,
        description = "Module replacing: give --model one successor layer per module of --layers-per-module layers"
                + " (each starting as its module's first layer), train those layers on --data for --steps steps while"
                + " the frozen model's modules are swapped for them at a rate rising from --initial-rate, then"
                + " fine-tune the successor alone for --fine-tuning-steps, and write it, with its recipe.json, to"
                + " --output.")
final class ReplaceCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the predecessor's checkpoint")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--steps", defaultValue = "" + Training.DEFAULT_STEPS, paramLabel = "N",
            description = "replacing steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--fine-tuning-steps", defaultValue = "" + ModuleReplacing.DEFAULT_FINE_TUNING_STEPS,
            paramLabel = "N", description = "steps of fine-tuning the successor alone afterwards (default:"
                    + " ${DEFAULT-VALUE})")
    long fineTuningSteps;

    @Option(names = "--layers-per-module", defaultValue = "" + ModuleReplacing.DEFAULT_LAYERS_PER_MODULE,
            paramLabel = "N", description = "predecessor layers each successor layer replaces; must divide the"
                    + " model's layers (default: ${DEFAULT-VALUE})")
    int layersPerModule;

    @Option(names = "--initial-rate", defaultValue = "" + ModuleReplacing.DEFAULT_INITIAL_RATE, paramLabel = "P",
            description = "replacement rate of the first step (default: ${DEFAULT-VALUE})")
    double initialRate;

    @Option(names = "--rate-slope", paramLabel = "K",
            description = "the rate's increase per step (default: reaching 1 after three quarters of --steps)")
    Double rateSlope;

    @Option(names = "--distill", description = "train both phases on forward KL to --model (temperature 1) instead of"
            + " the next-token loss")
    boolean distill;

    @Mixin
    OutputOptions output;

    @Mixin
    TrainingBatchOptions batches;

    @Option(names = "--lr", defaultValue = "" + ModelDefaults.MINITRON_LEARNING_RATE, paramLabel = "RATE",
            description = "peak learning rate of each phase (default: ${DEFAULT-VALUE}, decaying by cosine to a"
                    + " tenth)")
    double learningRate;

    @Option(names = "--warmup", defaultValue = "" + Training.DEFAULT_WARMUP_FRACTION, paramLabel = "FRACTION",
            description = "share of each phase's steps spent warming up (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--replacement-seed", defaultValue = "0", paramLabel = "S",
            description = "seeds which modules are replaced at each step (default: 0)")
    long replacementSeed;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu, gpu or gpu:N")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Training training = batches.applyTo(Training.steps(steps)).withLearningRate(learningRate)
                .withWarmup(warmup);
        ModuleReplacing chosen = ModuleReplacing.defaults().withTraining(training).withLayersPerModule(layersPerModule)
                .withInitialRate(initialRate).withFineTuning(fineTuningSteps).withSeed(replacementSeed);
        ModuleReplacing scheduled = rateSlope != null ? chosen.withSchedule(initialRate, rateSlope) : chosen;
        ModuleReplacing replacing = distill ? scheduled.withDistillation() : scheduled;
        Path target = output.checked("model");
        try (Model predecessor = Model.load(model, device)) {
            ModuleReplacing run = replacing.withData(data.corpus(model));
            try (Model successor = Monitor.run(CommandMonitor.on(spec.commandLine().getErr()),
                    () -> predecessor.replaceModules(run))) {
                successor.save(target, output.overwrite());
            }
        }
        spec.commandLine().getOut().println("wrote " + target);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
