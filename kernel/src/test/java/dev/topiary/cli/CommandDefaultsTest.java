package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.topiary.Calibration;
import dev.topiary.Distillation;
import dev.topiary.EarlyExit;
import dev.topiary.Evaluation;
import dev.topiary.Gptq;
import dev.topiary.ModelDefaults;
import dev.topiary.ModuleReplacing;
import dev.topiary.Precision;
import dev.topiary.Training;
import dev.topiary.replace.ReplacingLoss;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line's defaults are the DSL's: each command, given only its required options, holds the values of
 * the DSL's default settings (as a loaded checkpoint sees them).
 */
class CommandDefaultsTest {

    @Test
    void quantizeDefaultsToTheDslsRoundToNearestAndGptq() {
        QuantizeCommand quantize = parse(new QuantizeCommand(), "--model", "m", "--precision", "INT4", "--output", "o");
        assertEquals(Precision.INT4.scheme().groupSize(), quantize.groupSize);
        assertEquals(Gptq.of(Precision.INT4).scheme().groupSize(), quantize.groupSize);
        assertEquals(Gptq.of(Precision.INT4).calibration().samples(), quantize.samples);
        assertEquals(Gptq.of(Precision.INT4).calibration().sequenceLength(), quantize.sequenceLength);
    }

    @Test
    void pruneDefaultsToTheDslsCalibration() {
        PruneCommand prune = parse(new PruneCommand(), "--model", "m", "--data", "d", "--output", "o");
        Calibration calibration = Calibration.defaults();
        assertEquals(calibration.samples(), prune.samples);
        assertEquals(calibration.batchSize(), prune.batchSize);
        assertEquals(calibration.sequenceLength(), prune.sequenceLength);
    }

    @Test
    void distillDefaultsToTheDslsDistillation() {
        DistillCommand distill = parse(new DistillCommand(), "--student", "s", "--teacher", "t", "--data", "d",
                "--tokens", "1000", "--output", "o");
        Distillation distillation = Distillation.defaults();
        Training training = distillation.training();
        assertEquals(training.batchSize(), distill.batches.batchSize);
        assertEquals(training.sequenceLength(), distill.batches.sequenceLength);
        assertEquals(training.seed(), distill.batches.seed);
        assertEquals(training.warmupFraction(), distill.warmup);
        assertEquals(ModelDefaults.MINITRON_LEARNING_RATE, distill.learningRate);
        assertEquals(distillation.temperature(), distill.temperature);
        assertEquals(distillation.languageModelWeight(), distill.languageModelWeight);
        assertEquals(distillation.correctionSteps(), distill.correctionSteps);
    }

    @Test
    void replaceDefaultsToTheDslsModuleReplacing() {
        ReplaceCommand replace = parse(new ReplaceCommand(), "--model", "m", "--data", "d", "--output", "o");
        ModuleReplacing replacing = ModuleReplacing.defaults();
        Training training = replacing.training();
        assertEquals(training.totalSteps(), replace.steps);
        assertEquals(training.batchSize(), replace.batches.batchSize);
        assertEquals(training.sequenceLength(), replace.batches.sequenceLength);
        assertEquals(training.warmupFraction(), replace.warmup);
        assertEquals(ModelDefaults.MINITRON_LEARNING_RATE, replace.learningRate);
        assertEquals(replacing.layersPerModule(), replace.layersPerModule);
        assertEquals(replacing.initialRate(), replace.initialRate);
        assertEquals(replacing.rateSlope(), replace.rateSlope);
        assertEquals(replacing.fineTuningSteps(), replace.fineTuningSteps);
        assertEquals(replacing.seed(), replace.replacementSeed);
        assertEquals(ReplacingLoss.NEXT_TOKEN, replacing.loss());
        assertFalse(replace.distill);
    }

    @Test
    void evalDefaultsToTheDslsEvaluationWindowsAndBatch() {
        EvalCommand eval = parse(new EvalCommand(), "--model", "m", "--data", "d");
        assertEquals(Evaluation.WINDOW_LENGTH, eval.sequenceLength);
        assertEquals(Evaluation.BATCH_SIZE, eval.batchSize);
    }

    @Test
    void exitsDefaultsToTheDslsEarlyExit() {
        ExitsCommand exits = parse(new ExitsCommand(), "--model", "m", "--data", "d", "--tokens", "1", "--output", "o");
        Training training = EarlyExit.defaults().training();
        assertEquals(training.batchSize(), exits.batches.batchSize);
        assertEquals(training.sequenceLength(), exits.batches.sequenceLength);
        assertEquals(training.learningRate(), exits.learningRate);
        assertEquals(EarlyExit.defaults().layers(), exits.layers);
    }

    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
