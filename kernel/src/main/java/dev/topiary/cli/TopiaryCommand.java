package dev.topiary.cli;

import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code topiary} command line: the same engine as the notebooks, for scripts and automation.
 *
 * <p>Exit codes: 0 on success, 1 when the input was unusable (a one-line error on stderr names what and where),
 * 2 for a malformed command line.
 */
@Command(
        name = "topiary",
        mixinStandardHelpOptions = true,
        versionProvider = TopiaryVersion.class,
        description = "Shape large language models into small ones: Llama checkpoints on DJL's PyTorch engine.",
        subcommands = {LogitsCommand.class, GenerateCommand.class, InitCommand.class, BenchCommand.class,
            PrepareDataCommand.class, EvalCommand.class, TokenizerCommand.class, TeacherCommand.class,
            DistillCommand.class, PruneCommand.class, QuantizeCommand.class, KernelCommand.class, InstallCommand.class, RunCommand.class,
            CommandLine.HelpCommand.class})
public final class TopiaryCommand {

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line, printing to the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Engines.configureOffline();
        CommandLine cli = new CommandLine(new TopiaryCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof TopiaryException) {
                err.println(commandLine.getCommandSpec().qualifiedName() + ": error: " + e.getMessage());
                err.flush();
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
