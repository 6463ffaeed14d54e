package dev.topiary.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A command line run in-process exactly as {@code main} runs it, with what it printed. */
record CommandRun(int code, String out, String err) {

    static CommandRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TopiaryCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CommandRun(code, out.toString(), err.toString());
    }
}
