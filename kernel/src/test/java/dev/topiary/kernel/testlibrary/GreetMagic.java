package dev.topiary.kernel.testlibrary;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;
import dev.topiary.kernel.magic.Magic;

/** {@code %greet NAME}: prints a greeting. */
public final class GreetMagic implements Magic {

    @Override
    public String name() {
        return "greet";
    }

    @Override
    public String help() {
        return "%greet NAME: say hello";
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        output.stream("stdout", "hello, " + arguments.strip() + "\n");
        return CellResult.ok(null);
    }
}
