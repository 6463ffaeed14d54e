package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;
import java.util.Locale;

/** {@code %time STATEMENT} and {@code %%time}: runs the code and prints its wall-clock time. */
public final class TimeMagic implements Magic {

    @Override
    public String name() {
        return "time";
    }

    @Override
    public String help() {
        return "%time CODE or %%time: run the code (a line, or the rest of the cell) and print its wall time";
    }

    @Override
    public boolean isCellMagic() {
        return true;
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        String code = body != null ? body : arguments;
        if (code.isBlank()) {
            return CellResult.failed("MagicError", "%time needs code to run: %time CODE, or %%time with the code"
                    + " below it");
        }
        long start = System.nanoTime();
        CellResult result = session.evaluate(code, output);
        double seconds = (System.nanoTime() - start) / 1e9;
        output.stream("stdout", String.format(Locale.ROOT, "Wall time: %s%n", format(seconds)));
        return result;
    }

    /** Seconds with a unit that keeps three significant digits readable. */
    static String format(double seconds) {
        if (seconds >= 1) {
            return String.format(Locale.ROOT, "%.3g s", seconds);
        }
        if (seconds >= 1e-3) {
            return String.format(Locale.ROOT, "%.3g ms", seconds * 1e3);
        }
        return String.format(Locale.ROOT, "%.3g us", seconds * 1e6);
    }
}
