package dev.topiary.cli;

import dev.topiary.Cancellation;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.CacheDirectory;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.embedded.TeacherRecipe;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import dev.topiary.llama.Llama;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Obtains the embedded teacher (pre-training it on first use), then reports on it and shows it writing. */
@Command(name = "teacher", mixinStandardHelpOptions = true,
        description = "Pre-train the embedded default teacher on the State of the Union corpus (once; about 5 minutes"
                + " on 2 CPU cores, then cached), print its report and checkpoint directory, and continue a prompt.")
final class TeacherCommand implements Callable<Integer> {

    @Option(names = "--cache", paramLabel = "DIR",
            description = "cache directory (default: $TOPIARY_CACHE, else ~/.cache/topiary)")
    Path cache;

    @Option(names = "--prompt", defaultValue = "The state of the Union is", paramLabel = "TEXT",
            description = "text for the teacher to continue (default: ${DEFAULT-VALUE})")
    String prompt;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path root = cache != null ? cache : CacheDirectory.root();
        Path dir = EmbeddedTeacher.obtain(root, TeacherRecipe.standard(), progress -> {
            if (progress.step() == 1 || progress.step() % 25 == 0 || progress.step() == progress.totalSteps()) {
                err.println("teacher: " + progress);
                err.flush();
            }
        }, Cancellation.none());
        out.println(EmbeddedTeacher.report(dir));
        out.println("checkpoint: " + dir);
        try (Llama teacher = EmbeddedTeacher.load(dir); Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] continuation = Generator.generate(teacher, tokenizer.encode(prompt), GenerationOptions.greedy(40));
            out.println("sample: " + prompt + tokenizer.decode(continuation));
        }
        out.flush();
        return 0;
    }
}
