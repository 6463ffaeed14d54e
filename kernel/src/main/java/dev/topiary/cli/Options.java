package dev.topiary.cli;

import dev.topiary.TopiaryException;
import java.util.function.Supplier;

/** Turns the validation errors of option values into the command line's one-line errors. */
final class Options {

    private Options() {}

    static <T> T check(Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new TopiaryException(e.getMessage());
        }
    }
}
