package dev.topiary.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/** Prints a command's warnings: one line each on standard error, {@code topiary CMD: warning: ...}, as errors are. */
final class Warnings {

    private Warnings() {}

    static void warn(CommandSpec spec, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.qualifiedName() + ": warning: " + message);
        err.flush();
    }
}
