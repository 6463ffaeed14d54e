package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.lang.model.SourceVersion;

/**
 * The variables a cell of simple declarations declares, as a parameters cell holds them: {@code int steps = 30;},
 * {@code var lr = 3e-4;}, {@code String name = "a;b";}, {@code final double a = 1, b = 2;},
 * {@code Map<String, Integer> sizes = Map.of("a", 1);}. Comments, strings and characters are skipped; statements
 * that are not declarations (calls, assignments) declare nothing.
 */
final class DeclaredVariables {

    private static final Pattern DECLARATION = Pattern.compile(
            "(?:(?:final|static)\\s+)*([A-Za-z_$][\\w$.]*(?:\\s*<.*?>)?(?:\\s*\\[\\s*])*)\\s+([A-Za-z_$][\\w$]*)"
                    + "\\s*(?:\\[\\s*]\\s*)*(=.*)?",
            Pattern.DOTALL);
    private static final Pattern MORE = Pattern.compile("\\s*([A-Za-z_$][\\w$]*)\\s*(?:\\[\\s*]\\s*)*(=.*)?",
            Pattern.DOTALL);

    private static final Set<String> PRIMITIVES = Set.of("boolean", "byte", "char", "short", "int", "long", "float",
            "double");

    private DeclaredVariables() {}

    /** The names {@code source} declares at its top level, in order. */
    static Set<String> in(String source) {
        Set<String> names = new LinkedHashSet<>();
        for (String statement : split(withoutLiterals(source), ';')) {
            Matcher m = DECLARATION.matcher(statement.strip());
            if (!m.matches() || !isType(m.group(1)) || !SourceVersion.isName(m.group(2))) {
                continue;
            }
            names.add(m.group(2));
            List<String> declarators = split(m.group(3) == null ? "" : m.group(3), ',');
            for (String more : declarators.subList(Math.min(1, declarators.size()), declarators.size())) {
                Matcher n = MORE.matcher(more);
                if (n.matches() && SourceVersion.isName(n.group(1))) {
                    names.add(n.group(1));
                }
            }
        }
        return names;
    }

    /** Whether a declaration's first word can be a type: a name, or a primitive (a keyword, but a type). */
    private static boolean isType(String type) {
        String base = type.replaceAll("[\\s\\[\\]]", "");
        return PRIMITIVES.contains(base) || !SourceVersion.isKeyword(base.replaceAll("<.*", ""));
    }

    /** {@code source} with comments removed and every string, text block and character literal emptied. */
    private static String withoutLiterals(String source) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? source.length() : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** {@code text} split at {@code separator} where it is outside brackets and parentheses. */
    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
            } else if (c == separator && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
