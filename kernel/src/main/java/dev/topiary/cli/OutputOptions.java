package dev.topiary.cli;

import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.Overwrite;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The output directory of a command that writes a model, and whether it may go into a directory not Topiary's. */
final class OutputOptions {

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "where the model is written: a new or empty directory, or one Topiary wrote (replaced,"
                    + " keeping files added to it)")
    Path output;

    @Option(names = "--force", description = "also write into a directory Topiary did not write, beside its files;"
            + " no file there is deleted or replaced")
    boolean force;

    /** How the write treats a directory already there. */
    Overwrite overwrite() {
        return force ? Overwrite.FORCE : Overwrite.TOPIARY_OUTPUT;
    }

    /**
     * The output directory, after checking that the write will be allowed, so that no work is done for nothing.
     *
     * @throws dev.topiary.TopiaryException naming the directory and what to do when it is not Topiary's to replace
     */
    Path checked(String what) {
        AtomicDirectory.checkTarget(output, what, overwrite());
        return output;
    }
}
