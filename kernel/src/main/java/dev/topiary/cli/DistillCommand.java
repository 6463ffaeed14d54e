package dev.topiary.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.data.PackedBatches;
import dev.topiary.distill.DistillationObjective;
import dev.topiary.engine.Engines;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Distils a teacher into a student checkpoint with forward KL on the logits, Minitron's way. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Train --student to match --teacher's next-token distributions (forward KL, temperature 1) on"
                + " --data for --tokens tokens, and write the distilled student to --output.")
final class DistillCommand implements Callable<Integer> {

    @Option(names = "--student", required = true, paramLabel = "DIR", description = "student checkpoint")
    Path student;

    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "teacher checkpoint")
    Path teacher;

    @Option(names = "--data", required = true, paramLabel = "DATA",
            description = "indexed dataset prefix, or a .jsonl/.txt file (tokenized with --tokenizer)")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json for text --data (default: the student's)")
    Path tokenizer;

    @Option(names = "--tokens", required = true, paramLabel = "N", description = "training tokens")
    long tokens;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "where the student is written")
    Path output;

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int sequenceLength;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-4", paramLabel = "RATE",
            description = "peak learning rate (default: ${DEFAULT-VALUE}, decaying by cosine to a tenth)")
    double learningRate;

    @Option(names = "--warmup", defaultValue = "0.05", paramLabel = "FRACTION",
            description = "share of the steps spent warming up (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--temperature", defaultValue = "1", paramLabel = "T", description = "default: ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "data order (default: 0)")
    long seed;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu, gpu or gpu:N")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        long steps = tokens / ((long) sequenceLength * batchSize);
        if (steps < 1) {
            throw new TopiaryException("--tokens " + tokens + " is less than one batch of " + batchSize + " x "
                    + sequenceLength + " tokens");
        }
        LearningRateSchedule schedule = Options.check(() -> new LearningRateSchedule(learningRate,
                learningRate / 10, Math.round(steps * warmup), steps));
        TrainingOptions options = Options.check(() -> TrainingOptions.of(schedule, batchSize, sequenceLength));
        Device target = Engines.device(device);
        DataType type = target.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
        PrintWriter err = spec.commandLine().getErr();
        try (Llama teacherModel = LlamaCheckpoint.load(teacher, target, type);
                Llama studentModel = LlamaCheckpoint.load(student, target, type)) {
            if (teacherModel.config().vocabSize() != studentModel.config().vocabSize()) {
                throw new TopiaryException("the teacher's vocabulary (" + teacherModel.config().vocabSize()
                        + " tokens) differs from the student's (" + studentModel.config().vocabSize() + ")");
            }
            DistillationObjective objective = Options.check(
                    () -> new DistillationObjective(teacherModel, temperature, 0));
            try (DatasetInput input = DatasetInput.open(data, tokenizer != null ? tokenizer : student);
                    Trainer trainer = new Trainer(studentModel, objective, options)) {
                PackedBatches batches = new PackedBatches(input.dataset(), sequenceLength, batchSize, seed);
                long every = Math.max(1, steps / 20);
                trainer.train(batches, progress -> {
                    if (progress.step() % every == 0 || progress.step() == steps) {
                        err.println("distill: " + progress);
                        err.flush();
                    }
                }, Cancellation.none());
            }
            LlamaCheckpoint.save(studentModel, output, TensorDType.F32);
        }
        TokenizerFile.copy(student, output);
        spec.commandLine().getOut().println("wrote " + output);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
