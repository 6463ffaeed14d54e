package dev.topiary.cli;

import dev.topiary.Cancellation;
import dev.topiary.Monitor;
import dev.topiary.ProgressListener;
import java.io.PrintWriter;

/** The monitor commands run DSL work under: progress as lines on the command's error stream. */
final class CommandMonitor {

    private CommandMonitor() {}

    static Monitor on(PrintWriter err) {
        return new Monitor(ProgressListener.lines(line -> {
            err.println(line);
            err.flush();
        }), Cancellation.none());
    }
}
