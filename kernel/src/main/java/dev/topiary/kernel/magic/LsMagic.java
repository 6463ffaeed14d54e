package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;

/** {@code %lsmagic}: the magics of the session's libraries, with one line of help each. */
public final class LsMagic implements Magic {

    @Override
    public String name() {
        return "lsmagic";
    }

    @Override
    public String help() {
        return "%lsmagic: list the magics";
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        StringBuilder text = new StringBuilder();
        for (Magic m : session.magics()) {
            text.append(m.isCellMagic() ? "%" + m.name() + ", %%" + m.name() : "%" + m.name())
                    .append("\n    ").append(m.help()).append('\n');
        }
        output.stream("stdout", text.toString());
        return CellResult.ok(null);
    }
}
