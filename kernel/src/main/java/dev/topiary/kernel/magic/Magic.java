package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;

/**
 * A command in a cell that is not Java: {@code %name arguments} on a line of its own (a line magic) or
 * {@code %%name arguments} as a cell's first line, the rest of the cell its body (a cell magic).
 */
public interface Magic {

    /** The name after {@code %} or {@code %%}. */
    String name();

    /** One line of help, for {@code %lsmagic}. */
    String help();

    /** Whether it can head a cell as {@code %%name}. */
    default boolean isCellMagic() {
        return false;
    }

    /**
     * Runs the magic.
     *
     * @param arguments the text after the name on its line
     * @param body the rest of the cell for a cell magic, null for a line magic
     * @return how it ended; its value is shown as a cell's value would be
     */
    CellResult run(String arguments, String body, JShellSession session, CellOutput output);

    /**
     * For magics that grow the class path: installs the kernel libraries it now holds that the session lacks,
     * naming each in the output (and on standard error each that cannot be loaded).
     *
     * @return success, or the reason a library could not be installed
     */
    static CellResult installNewLibraries(JShellSession session, CellOutput output) {
        try {
            for (String library : session.installNewLibraries(problem -> output.stream("stderr", problem + "\n"))) {
                output.stream("stdout", "installed the kernel library " + library + "\n");
            }
            return CellResult.ok(null);
        } catch (IllegalStateException e) {
            return CellResult.failed("MagicError", e.getMessage());
        }
    }
}
