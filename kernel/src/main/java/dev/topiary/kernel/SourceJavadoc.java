package dev.topiary.kernel;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Javadoc of Topiary's own types for inspection in the notebook. JShell finds documentation only in the JDK's
 * {@code src.zip}; Topiary ships its sources inside its jars ({@code dev/topiary/Model.java} beside
 * {@code Model.class}), and this reads the comment of the type, method or field that a JShell signature names.
 */
final class SourceJavadoc {

    private static final Pattern METHOD = Pattern.compile("(?:.*\\s)?([\\w.$]+)\\.([\\w$]+)\\((.*)\\)\\s*(?:throws.*)?");
    /** Where simple type names in signatures come from: the packages every session imports. */
    private static final List<String> IMPORTED_PACKAGES = List.of("dev.topiary", "dev.topiary.kernel");

    private final ClassLoader loader;
    private final Map<String, CompilationUnit> parsed = new ConcurrentHashMap<>();

    private record CompilationUnit(CompilationUnitTree tree, DocTrees docs) {}

    SourceJavadoc(ClassLoader loader) {
        this.loader = loader;
    }

    /**
     * The javadoc of what {@code signature} (as JShell's documentation gives it: {@code "Model Model.prune()"},
     * {@code "dev.topiary.Model"}) names, with inline tags reduced to their text; null when the source is not
     * shipped or has no comment.
     */
    String javadoc(String signature) {
        Matcher m = METHOD.matcher(signature.strip());
        if (m.matches()) {
            String owner = m.group(1);
            return comment(owner, m.group(2), parameterCount(m.group(3)));
        }
        return comment(signature.strip(), null, -1);
    }

    private static int parameterCount(String parameters) {
        if (parameters.isBlank()) {
            return 0;
        }
        int depth = 0;
        int count = 1;
        for (char c : parameters.toCharArray()) {
            if (c == '<') {
                depth++;
            } else if (c == '>') {
                depth--;
            } else if (c == ',' && depth == 0) {
                count++;
            }
        }
        return count;
    }

    /** The comment of member {@code name} with {@code parameters} (or of the type itself when name is null). */
    private String comment(String owner, String name, int parameters) {
        String[] type = locate(owner);
        if (type == null) {
            return null;
        }
        CompilationUnit unit = parse(type[0]);
        if (unit == null) {
            return null;
        }
        String simple = type[1];
        String[] found = new String[1];
        new TreePathScanner<Void, Void>() {
            @Override
            public Void visitClass(ClassTree tree, Void unused) {
                if (found[0] == null && tree.getSimpleName().contentEquals(simple)) {
                    if (name == null) {
                        found[0] = text(unit.docs().getDocCommentTree(getCurrentPath()));
                        return null;
                    }
                    for (Tree member : tree.getMembers()) {
                        TreePath path = new TreePath(getCurrentPath(), member);
                        if (member instanceof MethodTree method && method.getName().contentEquals(name)
                                && (parameters < 0 || method.getParameters().size() == parameters)
                                || member instanceof VariableTree field && field.getName().contentEquals(name)) {
                            found[0] = text(unit.docs().getDocCommentTree(path));
                            return null;
                        }
                    }
                }
                return super.visitClass(tree, unused);
            }
        }.scan(unit.tree(), null);
        return found[0];
    }

    /**
     * The source resource of the top-level class that declares {@code type} ("Model", "Model.Step",
     * "dev.topiary.Model"), and the simple name of the type in it; null when no source is shipped for it.
     */
    private String[] locate(String type) {
        List<String> candidates = Character.isLowerCase(type.charAt(0)) ? List.of(type)
                : IMPORTED_PACKAGES.stream().map(p -> p + "." + type).toList();
        for (String candidate : candidates) {
            String[] parts = candidate.split("\\.");
            // The top-level class is the first capitalised segment; later ones are nested types.
            for (int i = 0; i < parts.length; i++) {
                if (!parts[i].isEmpty() && Character.isUpperCase(parts[i].charAt(0))) {
                    String resource = String.join("/", Arrays.copyOf(parts, i + 1)) + ".java";
                    if (loader.getResource(resource) != null) {
                        return new String[] {resource, parts[parts.length - 1]};
                    }
                    break;
                }
            }
        }
        return null;
    }

    private CompilationUnit parse(String resource) {
        return parsed.computeIfAbsent(resource, r -> {
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    return null;
                }
                String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
                JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + resource),
                        JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
                JavacTask task = (JavacTask) javac.getTask(null, null, diagnostic -> { }, List.of("-proc:none"),
                        null, List.of(file));
                CompilationUnitTree tree = task.parse().iterator().next();
                return new CompilationUnit(tree, DocTrees.instance(task));
            } catch (IOException e) {
                return null;
            }
        });
    }

    /** A comment as plain text: inline tags reduced to their content, block tags one per line. */
    private static String text(DocCommentTree comment) {
        if (comment == null) {
            return null;
        }
        String raw = comment.toString();
        String plain = raw.replaceAll("\\{@(?:code|literal|link|linkplain|value)\\s+([^}]*)}", "$1")
                .replaceAll("<[^>]+>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        return plain.strip();
    }
}
