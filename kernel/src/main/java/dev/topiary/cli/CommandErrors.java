package dev.topiary.cli;

import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * The command line's one error path: whatever a command throws becomes one line on stderr, {@code topiary CMD:
 * error: what failed, on which file, what to do}, and exit code 1. The stack trace follows only with
 * {@code --verbose} or {@code TOPIARY_VERBOSE=1}.
 *
 * <p>A {@link TopiaryException} is the user's input or environment and prints its message as it is. A file system
 * error prints the file and what happened to it in words ({@link IoErrors}). Anything else is a bug in Topiary: the
 * line says so and how to get the trace for a report.
 */
final class CommandErrors {

    /** The environment variable that turns on stack traces, as {@code --verbose} does. */
    static final String VERBOSE_VARIABLE = "TOPIARY_VERBOSE";

    private CommandErrors() {}

    /** Prints {@code error} thrown by {@code command} as one line (and its trace when verbose); returns the exit code. */
    static int report(Throwable error, String command, boolean verbose, PrintWriter err) {
        err.println(command + ": error: " + describe(error));
        if (verbose || verboseByEnvironment()) {
            error.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    /** One line for {@code error}: what failed and, where it is not the user's doing, how to report it. */
    static String describe(Throwable error) {
        Throwable e = error instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : error;
        if (e instanceof TopiaryException) {
            return oneLine(e.getMessage());
        }
        if (e instanceof IOException io) {
            return oneLine(IoErrors.describe(io));
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory; give the JVM more (TOPIARY_JAVA_OPTS=-Xmx16g, say) or use a smaller model or batch";
        }
        String what = e.getMessage() != null ? ": " + oneLine(e.getMessage()) : "";
        return "internal error (" + e.getClass().getSimpleName() + what + "); this is a bug in Topiary: run again"
                + " with --verbose for the stack trace and report it";
    }

    private static boolean verboseByEnvironment() {
        String value = System.getenv(VERBOSE_VARIABLE);
        return value != null && !value.isBlank() && !value.equals("0") && !value.equalsIgnoreCase("false");
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
