package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-process JShell session the kernel and headless runs share, against real cells. */
class JShellSessionTest {

    private static JShellSession session;

    @BeforeAll
    static void start() {
        session = new JShellSession();
    }

    @AfterAll
    static void stop() {
        session.close();
    }

    private static CellResult run(String code, RecordingOutput out) {
        return session.execute(code, out);
    }

    @Test
    void theLastExpressionIsTheCellsValue() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = run("int a = 20;\nint b = 22;\na + b", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("42", r.value().plain());
        assertEquals("\"text\"", run("\"te\" + \"xt\"", out).value().plain());
        assertNull(run("int c = 1;", out).value(), "a declaration shows nothing");
        assertNull(run("System.out.print(\"\")", out).value(), "a void call shows nothing");
        assertNull(run("System.out.printf(\"%d%n\", 7)", out).value(), "printf shows what it printed, not its stream");
        assertNull(run("new HashMap<String, Integer>().put(\"a\", 1)", out).value(), "a null result shows nothing");
        run("String nothing = null;", out);
        assertEquals("null", run("nothing", out).value().plain(), "a variable shows itself, null or not");
    }

    @Test
    void theDslIsImported() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = run("Precision p = INT8;\nModel.class.getSimpleName() + \" \" + p", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("\"Model INT8\"", r.value().plain());
        assertEquals("122880", run("TeacherRecipe.standard().withSteps(30).tokens()", out).value().plain());
    }

    @Test
    void printsAreStreamedAlsoFromThreadsTheCellStarts() throws Exception {
        RecordingOutput out = new RecordingOutput();
        CellResult r = run("""
                System.out.println("out line");
                System.err.println("err line");
                Thread t = new Thread(() -> System.out.println("from a thread"));
                t.start();
                t.join();
                """, out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("out line\nfrom a thread\n", out.stream("stdout"));
        assertEquals("err line\n", out.stream("stderr"));
    }

    @Test
    void aCompileErrorNamesTheCellLine() {
        CellResult r = run("int x = 1;\nString s = 42;", new RecordingOutput());
        assertFalse(r.succeeded());
        assertEquals("CompileError", r.error().name());
        assertTrue(r.error().traceback().get(0).contains("Cell line 2") && r.error().traceback().get(0)
                .contains("String s = 42;"), r.error().traceback().toString());
        assertTrue(r.error().message().contains("incompatible types"), r.error().message());
    }

    @Test
    void anExceptionShowsTheUsersLineFirstWithoutInternals() {
        CellResult r = session.execute("""
                int[] values = {1, 2};
                void explode(int i) {
                    throw new IllegalStateException("bad value " + i);
                }
                """, 3, new RecordingOutput());
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        r = session.execute("int total = 0;\nexplode(values[1]);", 4, new RecordingOutput());
        assertFalse(r.succeeded());
        assertEquals("IllegalStateException", r.error().name());
        assertEquals("bad value 2", r.error().message());
        List<String> tb = r.error().traceback();
        // The failing line lives in cell [3], which defined explode; then where this cell called it.
        assertTrue(tb.get(0).contains("Cell [3] line 3") && tb.get(0).contains("throw new IllegalStateException"),
                tb.toString());
        assertTrue(tb.get(1).contains("Called from cell line 2") && tb.get(1).contains("explode(values[1]);"),
                tb.toString());
        assertTrue(tb.stream().anyMatch(l -> l.contains("cell line 2: explode(values[1]);")), tb.toString());
        assertTrue(tb.stream().noneMatch(l -> l.contains("jdk.jshell") || l.contains("reflect")
                || l.contains("dev.topiary.kernel")), tb.toString());
        // Failing in the running cell itself: its line, and no caller line.
        r = session.execute("int a = 1;\nint b = values[5];", 5, new RecordingOutput());
        assertTrue(r.error().traceback().get(0).contains("Cell line 2"), r.error().traceback().toString());
        assertTrue(r.error().traceback().stream().noneMatch(l -> l.contains("Called from")));
    }

    @Test
    void systemExitDoesNotEndTheKernel() {
        run("int survivor = 7;", new RecordingOutput());
        CellResult r = run("System.exit(1);", new RecordingOutput());
        assertFalse(r.succeeded());
        assertEquals("CellExitException", r.error().name());
        assertTrue(r.error().message().contains("System.exit(1)"), r.error().message());
        r = run("Runtime.getRuntime().halt(3);", new RecordingOutput());
        assertEquals("CellExitException", r.error().name());
        assertEquals("7", run("survivor", new RecordingOutput()).value().plain());
    }

    @Test
    void anEndlessLoopIsInterruptedAndTheSessionLivesOn() throws Exception {
        run("long spins = 0;", new RecordingOutput());
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            session.interrupt();
        });
        interrupter.start();
        CellResult r = run("while (true) { spins++; }", new RecordingOutput());
        interrupter.join();
        assertFalse(r.succeeded());
        assertEquals("Interrupted", r.error().name());
        CellResult after = run("spins > 0", new RecordingOutput());
        assertEquals("true", after.value().plain());
    }

    @Test
    void anOutOfMemoryAllocationIsAnErrorNotACrash() {
        CellResult r = run("long[] huge = new long[Integer.MAX_VALUE - 8];", new RecordingOutput());
        assertFalse(r.succeeded());
        assertEquals("OutOfMemoryError", r.error().name());
        assertEquals("2", run("1 + 1", new RecordingOutput()).value().plain());
    }

    @Test
    void displayAndUpdateDisplayUseOneId() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = run("String id = display(\"first\");\nupdateDisplay(id, \"second\");\nclearOutput();", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals(1, out.of("display").size());
        assertEquals("\"first\"", out.of("display").get(0).text());
        assertEquals(out.of("display").get(0).displayId(), out.of("update").get(0).displayId());
        assertEquals("\"second\"", out.of("update").get(0).text());
        assertEquals(1, out.of("clear").size());
    }

    @Test
    void displayReachesTheCellOfItsOwnSessionAlsoFromThreadsTheCellStarts() {
        try (JShellSession other = new JShellSession()) {
            RecordingOutput out = new RecordingOutput();
            CellResult r = run("Thread t = new Thread(() -> display(\"from a thread\"));\nt.start();\nt.join();\n"
                    + "display(\"from the cell\");", out);
            assertTrue(r.succeeded(), String.valueOf(r.error()));
            assertEquals(List.of("\"from a thread\"", "\"from the cell\""), out.of("display").stream()
                    .map(RecordingOutput.Event::text).toList(), "not to the session started last");
            RecordingOutput otherOut = new RecordingOutput();
            assertTrue(other.execute("display(1);", otherOut).succeeded());
            assertEquals("1", otherOut.of("display").get(0).text());
            assertEquals(2, out.of("display").size(), "the other session's cell shows nothing here");
        }
    }

    @Test
    void aLossCurveGrowsInPlaceWhileTheWorkReportsItsProgress() {
        RecordingOutput out = new RecordingOutput();
        CellResult r = run("""
                int made = withLossCurve("fake training", () -> {
                    for (int s = 1; s <= 5; s++) {
                        Monitor.current().report(new Progress("train", s, 5, "steps", "", 1.0 / s));
                    }
                    return 42;
                });
                made""", out);
        assertTrue(r.succeeded(), String.valueOf(r.error()));
        assertEquals("42", r.value().plain(), "the work's result");
        List<RecordingOutput.Event> curve = out.events.stream()
                .filter(e -> e.text().startsWith("loss curve 'fake training'")).toList();
        assertEquals("display", curve.get(0).kind(), "shown at the first step");
        assertTrue(curve.subList(1, curve.size()).stream().allMatch(e -> e.kind().equals("update")
                && e.displayId().equals(curve.get(0).displayId())), "then replaced in place");
        RecordingOutput.Event last = curve.get(curve.size() - 1);
        assertEquals("loss curve 'fake training'; train: step 5, loss 1.0000 -> 0.2000", last.text());
        String html = (String) last.bundle().data().get(MimeBundle.HTML);
        assertTrue(html.contains("Plotly.newPlot") && html.contains("\"0.2\"") && !html.contains("var packed"), html);
        List<RecordingOutput.Event> displays = out.of("display");
        int library = IntStream.range(0, displays.size())
                .filter(i -> String.valueOf(displays.get(i).bundle().data().get(MimeBundle.HTML)).contains("var packed"))
                .findFirst().orElse(-1);
        assertTrue(library >= 0 && library < displays.indexOf(curve.get(0)),
                "the Plotly library is an output of its own, before the curve that replacements would rewrite");
        assertTrue(out.of("display").stream().noneMatch(e -> e.text().startsWith("train [")),
                "work this quick draws its curve but leaves no progress bar (ProgressBarsTest: bars after 2 s)");
        assertTrue(run("withLossCurve(\"nothing\", () -> 1)", out).succeeded(), "work without losses draws nothing");
    }

    @Test
    void theNotebookDirectoryIsWhereTheKernelRuns() {
        CellResult r = run("notebookDirectory()", new RecordingOutput());
        assertEquals(Path.of("").toAbsolutePath().toString(), r.value().plain());
    }

    @Test
    void tabAfterAModelOrAPruningListsOnlyTheCallsLegalThere() {
        run("Model model = null; QuantizedModel quantized = null; CalibratedPruning calibrated = null;",
                new RecordingOutput());
        List<String> floating = completions("model.");
        assertTrue(floating.containsAll(List.of("prune()", "share(", "train(", "distill(", "quantize(", "evaluate(", "save(")),
                floating.toString());
        List<String> packed = completions("quantized.");
        assertTrue(packed.containsAll(List.of("evaluate(", "generate(", "save(", "precision()")), packed.toString());
        assertTrue(packed.stream().noneMatch(m -> m.startsWith("prune") || m.startsWith("share")
                || m.startsWith("train") || m.startsWith("distill") || m.startsWith("quantize")), packed.toString());
        assertTrue(completions("model.prune().").containsAll(List.of("magnitude(", "nm(", "drop(", "width(")));
        List<String> onData = completions("calibrated.");
        assertTrue(onData.containsAll(List.of("width(", "layers(", "wanda(", "twoFour()")), onData.toString());
        assertTrue(onData.stream().noneMatch(m -> m.startsWith("magnitude") || m.startsWith("nm(")
                || m.startsWith("drop(")), onData.toString());

        String doc = session.inspect("Gptq.of(", "Gptq.of(".length());
        assertTrue(doc.contains("Gptq.of(Precision precision)") && doc.contains("default calibration"), doc);
    }

    private List<String> completions(String code) {
        return session.complete(code, code.length()).matches();
    }

    @Test
    void completesInspectsAndJudgesCompleteness() {
        run("String greeting = \"hi\";", new RecordingOutput());
        String code = "int y = 1;\ngreeting.toUpp";
        JShellSession.Completions c = session.complete(code, code.length());
        assertTrue(c.matches().contains("toUpperCase("), c.matches().toString());
        assertEquals(code.length() - "toUpp".length(), c.start());

        String doc = session.inspect("Model.embeddedTeacher(", "Model.embeddedTeacher(".length());
        assertTrue(doc.contains("Model Model.embeddedTeacher()"), doc);
        // The DSL's own javadoc, read from the sources shipped beside its classes.
        assertTrue(doc.contains("pre-trained"), doc);
        String jdk = session.inspect("greeting.toUpperCase(", "greeting.toUpperCase(".length());
        assertTrue(jdk.contains("String String.toUpperCase()"), jdk);
        // On a method's name, without the parentheses JShell needs: its overloads, from the classes alone (no
        // src.zip needed), with the cursor at the end of the name or inside it.
        for (int cursor : new int[] {"Math.max".length(), "Math.ma".length()}) {
            String max = session.inspect("Math.max", cursor);
            assertTrue(max.contains("int Math.max(int a, int b)") && max.contains("double Math.max(double a, double b)"),
                    max);
        }
        assertTrue(session.inspect("greeting.toUpperCase", "greeting.toUpp".length())
                .contains("String String.toUpperCase()"));

        assertEquals("complete", session.completeness("int z = 3;"));
        assertEquals("incomplete", session.completeness("for (int i = 0; i < 3; i++) {"));
    }
}
