package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The magics through real cells. */
class MagicsTest {

    private static JShellSession session;

    @BeforeAll
    static void start() {
        session = new JShellSession();
    }

    @AfterAll
    static void stop() {
        session.close();
    }

    @Test
    void timePrintsTheWallTimeAndKeepsTheValue() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = session.execute("%time Thread.sleep(120)", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        String printed = out.stream("stdout");
        assertTrue(printed.matches("Wall time: \\d+(\\.\\d+)? ms\\n"), printed);
        double millis = Double.parseDouble(printed.replaceAll("[^0-9.]", ""));
        assertTrue(millis >= 120, printed);

        out = new RecordingOutput();
        r = session.execute("%%time\nint a = 20;\na + 22", out);
        assertEquals("42", r.value().plain());
        assertTrue(out.stream("stdout").startsWith("Wall time: "), out.stream("stdout"));
    }

    @Test
    void jarsPutACompiledJarOnTheClassPath(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("greeter.jar");
        writeJar(jar, "greeting.Greeter", "package greeting; public class Greeter {"
                + " public static String hello(String n) { return \"hello \" + n; } }");
        RecordingOutput out = new RecordingOutput();
        CellResult r = session.execute("%jars " + dir + "/*.jar\ngreeting.Greeter.hello(\"notebook\")", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("\"hello notebook\"", r.value().plain());
        assertTrue(out.stream("stdout").contains("greeter.jar"), out.stream("stdout"));

        CellResult missing = session.execute("%jars " + dir.resolve("nothing-here.jar"), new RecordingOutput());
        assertFalse(missing.succeeded());
        assertTrue(missing.error().message().contains("nothing at"), missing.error().message());
    }

    @Test
    void aJarAddedWithJarsCanBringAKernelLibrary(@TempDir Path dir) throws IOException {
        writeJar(dir.resolve("shout.jar"), Map.of("shout.ShoutLibrary", """
                package shout;

                import dev.topiary.kernel.*;
                import dev.topiary.kernel.magic.Magic;
                import java.util.List;

                public class ShoutLibrary implements KernelLibrary {
                    public record Loud(String text) {}

                    public List<String> imports() {
                        return List.of("import shout.ShoutLibrary.Loud;");
                    }

                    public void registerRenderers(Renderer renderer) {
                        renderer.register(Loud.class, (loud, r) -> MimeBundle.text(loud.text().toUpperCase() + "!"));
                    }

                    public List<Magic> magics() {
                        return List.of(new Magic() {
                            public String name() { return "shout"; }
                            public String help() { return "%shout TEXT: print it loud"; }
                            public CellResult run(String arguments, String body, JShellSession session,
                                    CellOutput output) {
                                output.stream("stdout", arguments.toUpperCase() + "\\n");
                                return CellResult.ok(null);
                            }
                        });
                    }
                }
                """), Map.of("META-INF/services/dev.topiary.kernel.KernelLibrary", "shout.ShoutLibrary\n"));
        RecordingOutput out = new RecordingOutput();
        CellResult r = session.execute("%jars " + dir.resolve("shout.jar") + "\n%shout hey\nnew Loud(\"hi\")", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("HI!", r.value().plain(), "imported and rendered");
        assertTrue(out.stream("stdout").endsWith("installed the kernel library shout.ShoutLibrary\nHEY\n"),
                out.stream("stdout"));

        out = new RecordingOutput();
        assertTrue(session.execute("%jars " + dir.resolve("shout.jar"), out).succeeded());
        assertFalse(out.stream("stdout").contains("installed"), "a library is installed once");

        // A jar deleted after it was added leaves its library out of later look-ups; it breaks no magic.
        Files.delete(dir.resolve("shout.jar"));
        writeJar(dir.resolve("greeter.jar"), "greeting.Greeter", "package greeting; public class Greeter {}");
        out = new RecordingOutput();
        assertTrue(session.execute("%jars " + dir.resolve("greeter.jar"), out).succeeded());
        assertTrue(out.stream("stderr").startsWith("a kernel library was left out: "), out.stream("stderr"));
    }

    @Test
    void mavenResolvesAnArtifactWithItsDependencies() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = session.execute("%maven org.apache.commons:commons-text:1.12.0\n"
                + "org.apache.commons.lang3.StringUtils.capitalize(\"transitive\")", out);
        assertTrue(r.succeeded(), r.error() + " after " + out.stream("stdout"));
        assertEquals("\"Transitive\"", r.value().plain());
        assertTrue(out.stream("stdout").contains("commons-lang3"), out.stream("stdout"));

        CellResult bad = session.execute("%maven org.example.none:no-such-artifact:0.0.1", new RecordingOutput());
        assertFalse(bad.succeeded());
        assertTrue(bad.error().message().contains("org.example.none:no-such-artifact:0.0.1"),
                bad.error().message());
    }

    @Test
    void jshellCommandsDescribeTheSession() {
        session.execute("int counter = 3;\nString label = \"x\";\nvoid bump(int by) { counter += by; }",
                new RecordingOutput());
        RecordingOutput out = new RecordingOutput();
        assertTrue(session.execute("/vars", out).succeeded());
        assertTrue(out.stream("stdout").contains("int counter = 3"), out.stream("stdout"));
        assertTrue(out.stream("stdout").contains("String label = \"x\""), out.stream("stdout"));
        // One line per variable: a multi-line value shows its first line; temporaries only with -all.
        session.execute("String poem = \"first line\\nsecond line\";\n\"a temporary\".length()", new RecordingOutput());
        out = new RecordingOutput();
        assertTrue(session.execute("/vars", out).succeeded());
        String vars = out.stream("stdout");
        assertTrue(vars.contains("String poem = \"first line\\nsecond line\"")
                || vars.contains("String poem = \"first line"), vars);
        assertTrue(vars.lines().noneMatch(l -> l.contains("$")), vars);
        assertEquals(vars.lines().count(), vars.lines().filter(l -> l.startsWith("|    ")).count(), vars);
        out = new RecordingOutput();
        session.execute("/vars -all", out);
        assertTrue(out.stream("stdout").contains("int $"), out.stream("stdout"));
        session.execute("String wide = \"x\".repeat(200);", new RecordingOutput());
        out = new RecordingOutput();
        session.execute("/vars", out);
        String wide = out.stream("stdout").lines().filter(l -> l.contains(" wide = ")).findFirst().orElseThrow();
        assertTrue(wide.endsWith(" ...") && wide.length() < 120, wide);
        out = new RecordingOutput();
        session.execute("%jshell /methods", out);
        assertTrue(out.stream("stdout").contains("void bump(int)"), out.stream("stdout"));
        out = new RecordingOutput();
        assertTrue(session.execute("/drop label", out).succeeded());
        assertFalse(session.execute("label", new RecordingOutput()).succeeded());
    }

    @Test
    void magicsRunInTheirPlaceAndErrorsKeepTheCellsLineNumbers() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = session.execute("int before = 1;\n%lsmagic\nString s = 5;", out);
        assertFalse(r.succeeded());
        assertTrue(out.stream("stdout").contains("%maven"), out.stream("stdout"));
        assertTrue(r.error().traceback().get(0).contains("Cell line 3"), r.error().traceback().toString());

        CellResult unknown = session.execute("%nosuchmagic 1", new RecordingOutput());
        assertEquals("UnknownMagic", unknown.error().name());
        assertTrue(unknown.error().message().contains("%time") && unknown.error().message().contains("/vars"),
                unknown.error().message());
    }

    @Test
    void figuresSetsHowTheChartsAfterItAreShown() {
        String chart = "Plot.line(\"Loss\", \"step\", \"loss\", java.util.Map.of(\"train\","
                + " new double[][] {{1, 2}, {3, 2.5}}))";
        RecordingOutput out = new RecordingOutput();
        CellResult r = session.execute("%figures static\n" + chart, out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("figures: static\n", out.stream("stdout"));
        Map<String, Object> shown = r.value().data();
        if (shown.containsKey(MimeBundle.PNG)) { // Java drew the image (it has a font)
            assertEquals(java.util.Set.of(MimeBundle.PLAIN, MimeBundle.PNG), shown.keySet(), "no script, no HTML");
        } else {
            assertTrue(((String) shown.get(MimeBundle.HTML)).contains("Plotly.newPlot"), "interactive without a font");
        }

        r = session.execute("%figures interactive\n" + chart, new RecordingOutput());
        String html = (String) r.value().data().get(MimeBundle.HTML);
        assertTrue(html.contains("Plotly.newPlot"), html.substring(0, Math.min(200, html.length())));

        out = new RecordingOutput();
        assertTrue(session.execute("%figures", out).succeeded());
        assertEquals("figures: interactive\n", out.stream("stdout"));
        CellResult wrong = session.execute("%figures svg", new RecordingOutput());
        assertEquals("MagicError", wrong.error().name());
        assertTrue(wrong.error().message().contains("'static' or 'interactive', not 'svg'"), wrong.error().message());
    }

    @Test
    void magicNamesCompleteAndMagicLinesAreComplete() {
        JShellSession.Completions c = session.complete("%ma", 3);
        assertEquals(List.of("maven"), c.matches());
        assertEquals(1, c.start());
        assertEquals(List.of("time"), session.complete("%%t", 3).matches());
        assertEquals("complete", session.completeness("%jars lib/*.jar\nint z = 1;"));
    }

    private static void writeJar(Path jar, String className, String source) throws IOException {
        writeJar(jar, Map.of(className, source), Map.of());
    }

    /** A jar of {@code sources} (class name to source) compiled against the tests' class path, and resources. */
    private static void writeJar(Path jar, Map<String, String> sources, Map<String, String> resources)
            throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path classes = Files.createTempDirectory(jar.getParent(), "classes");
        List<SimpleJavaFileObject> files = new ArrayList<>();
        sources.forEach((className, source) -> files.add(new SimpleJavaFileObject(URI.create("string:///"
                + className.replace('.', '/') + ".java"), SimpleJavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        }));
        assertTrue(javac.getTask(null, null, null, List.of("-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path")), null, files).call());
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o);
                Stream<Path> compiled = Files.walk(classes)) {
            for (Path file : compiled.filter(Files::isRegularFile).sorted().toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(file));
                j.closeEntry();
            }
            for (Map.Entry<String, String> r : resources.entrySet()) {
                j.putNextEntry(new JarEntry(r.getKey()));
                j.write(r.getValue().getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
    }
}
