package dev.topiary.cli;

import dev.topiary.EarlyExit;
import dev.topiary.Model;
import dev.topiary.Monitor;
import dev.topiary.Training;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Adds early-exit off-ramps to a checkpoint and trains them, the trunk frozen. */
@Command(name = "exits", mixinStandardHelpOptions = true,
        description = "Add early-exit off-ramps (an RMSNorm each, sharing the LM head) after --layers of --model,"
                + " train them to match the model's own final next-token distributions on --data for --tokens tokens"
                + " with every other weight frozen, and write the model with its ramps, and its recipe.json, to"
                + " --output.")
final class ExitsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "checkpoint")
    Path model;

    @Option(names = "--layers", split = ",", paramLabel = "L",
            description = "0-based layers an off-ramp follows, comma-separated (default: every layer but the last)")
    List<Integer> layers;

    @Mixin
    DataOptions data;

    @Option(names = "--tokens", required = true, paramLabel = "N", description = "training tokens")
    long tokens;

    @Mixin
    OutputOptions output;

    @Mixin
    TrainingBatchOptions batches;

    @Option(names = "--lr", paramLabel = "RATE",
            description = "peak learning rate (default: the model's, decaying by cosine to a tenth)")
    Double learningRate;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu, gpu or gpu:N")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Training training = batches.applyTo(Training.tokens(tokens));
        if (learningRate != null) {
            training = training.withLearningRate(learningRate);
        }
        training.totalSteps(); // a budget under one batch fails here, before any model is loaded
        EarlyExit exits = EarlyExit.defaults().withTraining(training.withData(data.corpus(model)));
        if (layers != null) {
            exits = exits.withLayers(layers.stream().mapToInt(Integer::intValue).toArray());
        }
        Path target = output.checked("model");
        EarlyExit run = exits;
        try (Model source = Model.load(model, device);
                Model withExits = Monitor.run(CommandMonitor.on(spec.commandLine().getErr()),
                        () -> source.withExits(run))) {
            withExits.save(target, output.overwrite());
        }
        spec.commandLine().getOut().println("wrote " + target);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
