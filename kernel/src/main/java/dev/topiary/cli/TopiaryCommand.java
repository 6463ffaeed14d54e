package dev.topiary.cli;

import dev.topiary.engine.Engines;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code topiary} command line: the same engine as the notebooks, for scripts and automation.
 *
 * <p>Exit codes: 0 on success, 1 when the command failed (one line on stderr names what, where and what to do; the
 * stack trace follows with {@code --verbose} or {@code TOPIARY_VERBOSE=1}), 2 for a malformed command line.
 */
@Command(
        name = "topiary",
        mixinStandardHelpOptions = true,
        versionProvider = TopiaryVersion.class,
        description = "Shape large language models into small ones: Llama checkpoints on DJL's PyTorch engine.",
        subcommands = {LogitsCommand.class, GenerateCommand.class, InitCommand.class, BenchCommand.class,
            PrepareDataCommand.class, EvalCommand.class, TokenizerCommand.class, TeacherCommand.class,
            DistillCommand.class, ReplaceCommand.class, PruneCommand.class, ShareCommand.class, ExitsCommand.class,
            QuantizeCommand.class, ExportCommand.class, KernelCommand.class, InstallCommand.class, RunCommand.class,
            CommandLine.HelpCommand.class})
public final class TopiaryCommand {

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "print the stack trace of an error (also TOPIARY_VERBOSE=1)")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line, printing to the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Engines.configureOffline();
        CommandLine cli = new CommandLine(new TopiaryCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> CommandErrors.report(e,
                commandLine.getCommandSpec().qualifiedName(), verbose(parseResult), err));
        return cli.execute(args);
    }

    // --verbose is inherited: it may stand after any subcommand on the line.
    private static boolean verbose(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
