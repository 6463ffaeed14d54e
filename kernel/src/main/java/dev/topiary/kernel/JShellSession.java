package dev.topiary.kernel;

import dev.topiary.kernel.magic.Magic;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * One notebook's Java session: an in-process JShell whose snippets run through {@link CellExecutionControl}, with
 * the imports, renderers and magics of the {@link KernelLibrary kernel libraries} on the class path (Topiary's DSL
 * among them). It evaluates cells (several snippets each), and answers completion, inspection and completeness
 * questions. Used by the Jupyter kernel and by headless notebook runs alike.
 */
public final class JShellSession implements AutoCloseable {

    private final SnippetLoader loader;
    private final CellExecutionControl control;
    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private final Renderer renderer;
    private final ConsoleStreams streams;
    private final SourceJavadoc javadoc;
    private final Magics magics = new Magics(this);
    private final Set<String> installedLibraries = new HashSet<>();
    private final Map<String, SnippetSource> sources = new ConcurrentHashMap<>();
    private volatile CellOutput output;
    private volatile Path notebookDirectory = Path.of("").toAbsolutePath();

    /** One run of a cell: a unique id, and the cell's number where the client numbers cells (In [n]), else null. */
    private record CellRun(long id, Integer number) {}

    /** Where a snippet came from: its cell's text, its offset in it, and the run that defined it. */
    private record SnippetSource(String cell, int offset, CellRun run) {}

    private final AtomicLong runs = new AtomicLong();
    private volatile CellRun current = new CellRun(0, null);

    /**
     * A session with the libraries found on the kernel's class path (see {@link KernelLibrary#load}; one that
     * cannot be loaded is named in {@link #log()}); those that jars added later bring come with
     * {@link #installNewLibraries}.
     *
     * @throws IllegalStateException when a library's import is rejected or two libraries define one magic
     */
    public JShellSession() {
        this.streams = new ConsoleStreams(() -> output);
        String kernelClassPath = System.getProperty("java.class.path");
        this.loader = new SnippetLoader(JShellSession.class.getClassLoader(), Arrays.stream(
                kernelClassPath.split(File.pathSeparator)).map(e -> Path.of(e).toAbsolutePath())
                .collect(Collectors.toSet()));
        this.renderer = new Renderer();
        this.control = new CellExecutionControl(loader,
                () -> new NotebookCell(output, renderer, notebookDirectory));
        this.shell = JShell.builder()
                .executionEngine(new ExecutionControlProvider() {
                    @Override
                    public String name() {
                        return "topiary";
                    }

                    @Override
                    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                        return control;
                    }
                }, Map.of())
                // An empty source path: Topiary's jars carry their sources (for javadoc), which javac would
                // otherwise find on the class path and compile again.
                .compilerOptions("--source-path", emptySourcePath(), "-proc:none")
                .build();
        // The kernel's own class path, for the compiler (at run time the cells' loader delegates to the kernel's);
        // JShell's class path, unlike a --class-path compiler option, can grow (%jars, %maven).
        shell.addToClasspath(kernelClassPath);
        this.analysis = shell.sourceCodeAnalysis();
        this.javadoc = new SourceJavadoc(loader.classLoader());
        installNewLibraries(problem -> log().println("topiary kernel: " + problem));
    }

    /**
     * Installs the libraries on the class path that the session does not have yet (those of jars added since it
     * began; at its start, all), after those it has, in the order of their class names: their magics, imports
     * and renderers.
     *
     * @param skipped told why a library that cannot be loaded is left out
     * @return the class names of the libraries installed
     * @throws IllegalStateException when one of a library's magics has the name of one there is already, or one
     *     of its imports is rejected; the libraries before it stay installed, and it is not tried again
     */
    public List<String> installNewLibraries(Consumer<String> skipped) {
        List<String> names = new ArrayList<>();
        for (KernelLibrary library : KernelLibrary.load(loader.classLoader(), skipped)) {
            String name = library.getClass().getName();
            if (installedLibraries.add(name)) {
                install(library);
                names.add(name);
            }
        }
        return names;
    }

    private void install(KernelLibrary library) {
        magics.add(library);
        for (String line : library.imports()) {
            List<SnippetEvent> events = shell.eval(line);
            if (events.isEmpty() || events.get(0).status() == Snippet.Status.REJECTED) {
                throw new IllegalStateException("the session could not import " + line + " for "
                        + library.getClass().getName());
            }
        }
        library.registerRenderers(renderer);
    }

    private static String emptySourcePath() {
        try {
            Path empty = Files.createTempDirectory("topiary-no-sources");
            empty.toFile().deleteOnExit();
            return empty.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the session", e);
        }
    }

    /** The magics of the session's libraries, in their order. */
    public List<Magic> magics() {
        return magics.all();
    }

    /**
     * Where the notebook lives, for files a notebook writes beside itself: the kernel's working directory (Jupyter
     * starts kernels in the notebook's directory) unless set.
     */
    Path notebookDirectory() {
        return notebookDirectory;
    }

    /** Sets {@link #notebookDirectory()}: a headless run points it at the directory of the notebook it writes. */
    void notebookDirectory(Path dir) {
        notebookDirectory = dir.toAbsolutePath().normalize();
    }

    /** The standard error the JVM started with, for the kernel's own log. */
    public java.io.PrintStream log() {
        return streams.log();
    }

    /**
     * Runs a cell, its output going to {@code output}; blocks until the cell ends (normally, with an error, or
     * interrupted). Magics ({@code %time}, {@code %maven}, {@code /vars} ...) run in their place in the cell.
     */
    public CellResult execute(String code, CellOutput output) {
        return execute(code, null, output);
    }

    /**
     * As {@link #execute(String, CellOutput)}, for the cell numbered {@code number} (Jupyter's execution count, the
     * n of In [n]; null when the cell has none): a traceback through code this cell defines names it by that number.
     */
    public CellResult execute(String code, Integer number, CellOutput output) {
        current = new CellRun(runs.incrementAndGet(), number);
        CellOutput ordered = streams.ordered(output);
        this.output = ordered;
        return magics.execute(code, ordered);
    }

    /** Runs Java source (no magics), its output going to {@code output}. */
    public CellResult evaluate(String code, CellOutput output) {
        this.output = streams.ordered(output);
        control.beginCell();
        try {
            MimeBundle shown = null;
            String remaining = code;
            while (!remaining.isBlank()) {
                int start = code.length() - remaining.length() + leadingWhitespace(remaining);
                CompletionInfo info = analysis.analyzeCompletion(remaining);
                String source;
                if (info.completeness() == Completeness.EMPTY) {
                    break;
                } else if (info.completeness().isComplete()) {
                    // Without its leading blank lines: JShell numbers a snippet's lines wrongly after them.
                    source = info.source().stripLeading();
                    remaining = info.remaining();
                } else {
                    // Incomplete to the end: let the compiler say what is missing.
                    source = remaining.strip();
                    remaining = "";
                }
                shown = null;
                for (SnippetEvent event : shell.eval(source)) {
                    if (event.causeSnippet() != null) {
                        continue;
                    }
                    Snippet snippet = event.snippet();
                    sources.put(snippet.id(), new SnippetSource(code, start, current));
                    if (event.status() == Snippet.Status.REJECTED) {
                        return CellResult.failed(ErrorReport.compileError(code, start, source,
                                shell.diagnostics(snippet).collect(Collectors.toList())));
                    }
                    JShellException exception = event.exception();
                    if (exception != null) {
                        return CellResult.failed(runtimeError(exception));
                    }
                    if (control.wasInterrupted()) {
                        return CellResult.failed(ErrorReport.interrupted());
                    }
                    if (showsValue(snippet, control.lastValue())) {
                        shown = renderer.render(control.lastValue());
                    }
                }
            }
            return CellResult.ok(shown);
        } finally {
            streams.flush();
        }
    }

    /** Stops the running cell, if any (see {@link CellExecutionControl#interrupt()}). */
    public void interrupt() {
        control.interrupt();
    }

    private CellResult.Error runtimeError(JShellException exception) {
        if (exception instanceof UnresolvedReferenceException unresolved) {
            return ErrorReport.unresolved(unresolved.getSnippet());
        }
        Throwable raw = control.lastFailure();
        if (raw instanceof CellInterruptedException || control.wasInterrupted()) {
            return ErrorReport.interrupted();
        }
        return ErrorReport.exception((EvalException) exception, raw, id -> {
            SnippetSource s = sources.get(id);
            return s == null ? null : new ErrorReport.Location(s.cell(), s.offset(), s.run().number(),
                    s.run().id() == current.id());
        });
    }

    /**
     * Whether a snippet's value is worth showing: a variable named on its own, always; the result of any other
     * expression unless it is null (as {@code map.put} returns) or the stream a cell printed to (as
     * {@code System.out.printf} returns). Declarations and assignments show nothing.
     */
    private static boolean showsValue(Snippet snippet, Object value) {
        if (snippet instanceof ExpressionSnippet) {
            return snippet.subKind() == Snippet.SubKind.VAR_VALUE_SUBKIND;
        }
        return snippet instanceof VarSnippet && snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                && value != null && !(value instanceof java.io.PrintStream || value instanceof java.io.PrintWriter);
    }

    private static int leadingWhitespace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * Completions at {@code cursor} (a char offset in {@code code}).
     *
     * @return the replacements and the char range they replace
     */
    public Completions complete(String code, int cursor) {
        Completions magic = magics.complete(code, cursor);
        if (magic != null) {
            return magic;
        }
        int start = snippetStart(code, cursor);
        int[] anchor = new int[1];
        List<String> matches = new ArrayList<>();
        for (SourceCodeAnalysis.Suggestion s : analysis.completionSuggestions(code.substring(start, cursor),
                cursor - start, anchor)) {
            if (!matches.contains(s.continuation())) {
                matches.add(s.continuation());
            }
        }
        return new Completions(matches, start + anchor[0], cursor);
    }

    /** Completion candidates and the range {@code [start, end)} of {@code code} they replace. */
    public record Completions(List<String> matches, int start, int end) {}

    /**
     * Signatures and javadoc of what is at {@code cursor}, or an empty string when there is nothing to say. JShell
     * documents a method only inside its call's parentheses; a cursor on a method's name ({@code Math.max} with the
     * cursor anywhere in {@code max}) is documented as that call. The signatures come from the classes, so they are
     * there without the JDK's {@code src.zip}; javadoc where sources exist.
     */
    public String inspect(String code, int cursor) {
        int start = snippetStart(code, cursor);
        String snippet = code.substring(start, cursor);
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(snippet, snippet.length(), true);
        if (docs.isEmpty()) {
            int end = cursor;
            while (end < code.length() && Character.isJavaIdentifierPart(code.charAt(end))) {
                end++;
            }
            String call = code.substring(start, end) + "(";
            docs = analysis.documentation(call, call.length(), true);
        }
        StringBuilder text = new StringBuilder();
        for (SourceCodeAnalysis.Documentation d : docs) {
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append(d.signature());
            String doc = d.javadoc() != null ? d.javadoc() : javadoc.javadoc(d.signature());
            if (doc != null && !doc.isBlank()) {
                text.append("\n\n").append(doc.strip());
            }
        }
        return text.toString();
    }

    /** Jupyter's answer to whether {@code code} is ready to run: "complete", "incomplete" or "invalid". */
    public String completeness(String code) {
        String remaining = Magics.javaLines(code);
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            switch (info.completeness()) {
                case COMPLETE, COMPLETE_WITH_SEMI -> remaining = info.remaining();
                case EMPTY -> remaining = "";
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> {
                    return "incomplete";
                }
                default -> {
                    return "invalid";
                }
            }
        }
        return "complete";
    }

    /** Where the snippet that contains {@code cursor} starts in {@code code}. */
    private int snippetStart(String code, int cursor) {
        int start = 0;
        String remaining = code.substring(0, cursor);
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (!info.completeness().isComplete() || info.remaining().isBlank()) {
                break;
            }
            remaining = info.remaining();
            start = cursor - remaining.length();
        }
        return start;
    }

    /** The JShell behind the session, for commands such as {@code /vars}. */
    public JShell shell() {
        return shell;
    }

    /** Adds jars or directories to what cells compile against and load from. */
    public void addToClasspath(String path) {
        shell.addToClasspath(path);
    }

    @Override
    public void close() {
        shell.close();
        streams.close();
    }
}
