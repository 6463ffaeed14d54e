package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jshell.JShell;
import jdk.jshell.PersistentSnippet;
import jdk.jshell.Snippet;

/**
 * JShell's own commands, as {@code %jshell /vars} or a bare line {@code /vars}: {@code /vars}, {@code /methods},
 * {@code /types}, {@code /imports}, {@code /list} and {@code /drop NAME}. {@code /vars} gives one line per variable,
 * its value's first line cut to {@value #VALUE_WIDTH} characters, and leaves out the temporaries JShell names
 * {@code $1}, {@code $2}, ... ({@code /vars -all} shows them too).
 */
public final class JShellCommandMagic implements Magic {

    /** The commands it understands, for help and completion. */
    public static final List<String> COMMANDS = List.of("/vars", "/methods", "/types", "/imports", "/list",
            "/drop");

    /** Characters of a value {@code /vars} shows. */
    static final int VALUE_WIDTH = 80;

    @Override
    public String name() {
        return "jshell";
    }

    @Override
    public String help() {
        return "%jshell /COMMAND (or the bare /COMMAND line): " + String.join(", ", COMMANDS)
                + " NAME, as in jshell";
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        String[] words = arguments.trim().split("\\s+", 2);
        String command = words[0];
        String argument = words.length > 1 ? words[1].trim() : "";
        JShell shell = session.shell();
        if (command.equals("/drop")) {
            return drop(shell, argument, output);
        }
        String text = switch (command) {
            case "/vars" -> lines(shell.variables().filter(v -> isActive(shell, v)
                            && (argument.equals("-all") || !v.name().startsWith("$")))
                    .map(v -> "|    " + v.typeName() + " " + v.name() + " = " + shortValue(shell.varValue(v))));
            case "/methods" -> lines(shell.methods().filter(m -> isActive(shell, m))
                    .map(m -> "|    " + method(m.name(), m.signature())));
            case "/types" -> lines(shell.types().filter(t -> isActive(shell, t))
                    .map(t -> "|    " + t.subKind().toString().replace("_SUBKIND", "").toLowerCase() + " "
                            + t.name()));
            case "/imports" -> lines(shell.imports().filter(i -> isActive(shell, i))
                    .map(i -> "|    " + i.source().strip()));
            case "/list" -> lines(shell.snippets().filter(s -> isActive(shell, s)
                            && s.kind() != Snippet.Kind.IMPORT)
                    .map(s -> String.format("%4s : %s", s.id(), s.source().strip().replace("\n", "\n       "))));
            default -> null;
        };
        if (text == null) {
            return CellResult.failed("MagicError", "unknown JShell command " + command + "; known: "
                    + String.join(", ", COMMANDS));
        }
        output.stream("stdout", text);
        return CellResult.ok(null);
    }

    /** A value's first line, at most {@link #VALUE_WIDTH} characters, marked with "..." where cut. */
    private static String shortValue(String value) {
        String stripped = value.strip();
        int newline = stripped.indexOf('\n');
        String first = newline < 0 ? stripped : stripped.substring(0, newline).stripTrailing();
        boolean cut = newline >= 0 || first.length() > VALUE_WIDTH;
        if (first.length() > VALUE_WIDTH) {
            first = first.substring(0, VALUE_WIDTH);
        }
        return cut ? first + " ..." : first;
    }

    /** {@code void explode(int)} from JShell's name and signature {@code (int)void}. */
    static String method(String name, String signature) {
        int close = signature.lastIndexOf(')');
        return signature.substring(close + 1) + " " + name + signature.substring(0, close + 1);
    }

    /** Whether {@code command} is one of {@link #COMMANDS}. */
    public static boolean knows(String command) {
        return COMMANDS.contains(command);
    }

    private static CellResult drop(JShell shell, String name, CellOutput output) {
        if (name.isEmpty()) {
            return CellResult.failed("MagicError", "/drop needs the name or id of a variable, method or type");
        }
        List<Snippet> matching = shell.snippets().filter(s -> isActive(shell, s))
                .filter(s -> s.id().equals(name) || s instanceof PersistentSnippet p && p.name().equals(name))
                .toList();
        if (matching.isEmpty()) {
            return CellResult.failed("MagicError", "/drop: no variable, method or type named " + name);
        }
        for (Snippet s : matching) {
            shell.drop(s);
            output.stream("stdout", "|  dropped " + s.kind().toString().toLowerCase() + " " + name + "\n");
        }
        return CellResult.ok(null);
    }

    private static boolean isActive(JShell shell, Snippet snippet) {
        return shell.status(snippet).isActive();
    }

    private static String lines(java.util.stream.Stream<String> lines) {
        String text = lines.collect(Collectors.joining("\n"));
        return text.isEmpty() ? "|  (none)\n" : text + "\n";
    }
}
