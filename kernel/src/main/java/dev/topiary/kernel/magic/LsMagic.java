package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;
import java.util.List;

/** {@code %lsmagic}: the magics there are, with one line of help each. */
public final class LsMagic implements Magic {

    private final List<Magic> all;

    /** Lists {@code all}, itself included. */
    public LsMagic(List<Magic> all) {
        this.all = all;
    }

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
        for (Magic m : all) {
            text.append(m.isCellMagic() ? "%" + m.name() + ", %%" + m.name() : "%" + m.name())
                    .append("\n    ").append(m.help()).append('\n');
        }
        output.stream("stdout", text.toString());
        return CellResult.ok(null);
    }
}
