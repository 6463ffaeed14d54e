package dev.topiary.kernel;

import dev.topiary.Cancellation;
import dev.topiary.Monitor;
import dev.topiary.engine.Engines;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import jdk.jshell.execution.DirectExecutionControl;

/**
 * Runs JShell's snippets in the kernel's JVM, each on a thread of its own: the raw value of the last expression is
 * kept for rich display (JShell alone would give only its string), the thread's context class loader is the
 * cells' loader (ServiceLoader-based libraries need it), the {@link NotebookCell} is bound to it for the notebook
 * helpers, and the DSL's {@link Monitor} of the cell is current on it, so progress becomes a bar and
 * {@link #interrupt()} stops long work between steps.
 */
final class CellExecutionControl extends DirectExecutionControl {

    /** How long an interrupted cell gets to stop by itself before its thread is stopped by force. */
    static final long GRACE_MILLIS = 1500;

    private final SnippetLoader loader;
    private final Supplier<NotebookCell> cell;
    private final AtomicInteger threads = new AtomicInteger();
    private volatile Thread running;
    private volatile Cancellation cancellation;
    private volatile boolean interrupted;
    private volatile Object lastValue;
    private volatile Throwable lastFailure;

    /** @param cell the cell running now, bound to each snippet's thread */
    CellExecutionControl(SnippetLoader loader, Supplier<NotebookCell> cell) {
        super(loader);
        this.loader = loader;
        this.cell = cell;
    }

    /** Forgets the last value and failure and any interrupt that came while no cell ran: a new cell begins. */
    void beginCell() {
        lastValue = null;
        lastFailure = null;
        interrupted = false;
    }

    /** The value of the snippet run last, as an object. */
    Object lastValue() {
        return lastValue;
    }

    /** What the snippet run last threw, unconverted, or null. */
    Throwable lastFailure() {
        return lastFailure;
    }

    /** Whether the cell was interrupted since {@link #beginCell()}. */
    boolean wasInterrupted() {
        return interrupted;
    }

    /**
     * Stops the running snippet: its DSL work at the next step through the cancellation, blocking calls through
     * the thread's interrupt, and, if it is still running after {@value #GRACE_MILLIS} ms (a loop that checks
     * nothing), by stopping its thread where the JDK still allows that (up to Java 19).
     */
    void interrupt() {
        interrupted = true;
        Thread thread = running;
        if (thread == null) {
            return; // Compiling: the snippet will not start (see invoke).
        }
        Cancellation c = cancellation;
        if (c != null) {
            c.cancel();
        }
        thread.interrupt();
        Thread enforcer = new Thread(() -> {
            try {
                thread.join(GRACE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (thread.isAlive() && running == thread) {
                forceStop(thread);
            }
        }, "topiary-interrupt");
        enforcer.setDaemon(true);
        enforcer.start();
    }

    @SuppressWarnings({"deprecation", "removal"})
    private static void forceStop(Thread thread) {
        try {
            thread.stop();
        } catch (UnsupportedOperationException e) {
            // Java 20 and later: only cooperative interruption is possible.
        }
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        if (interrupted) {
            lastFailure = new CellInterruptedException();
            throw new InvocationTargetException(lastFailure);
        }
        Object[] value = new Object[1];
        Throwable[] failure = new Throwable[1];
        Cancellation cellCancellation = Cancellation.none();
        NotebookCell snippetCell = cell.get();
        Monitor monitor = new Monitor(new ProgressBars(snippetCell.output()), cellCancellation);
        Thread thread = new Thread(() -> {
            try {
                snippetCell.bindToThisThread();
                // As on DJL's own thread: no autograd recording outside gradient collectors.
                Engines.disableGradientsOnThisThread();
                value[0] = Monitor.run(monitor, () -> {
                    try {
                        return doit.invoke(null);
                    } catch (InvocationTargetException e) {
                        throw new Failure(e.getCause());
                    } catch (IllegalAccessException e) {
                        throw new Failure(e);
                    }
                });
            } catch (Failure e) {
                failure[0] = e.getCause();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "cell-" + threads.incrementAndGet());
        thread.setContextClassLoader(loader.classLoader());
        cancellation = cellCancellation;
        running = thread;
        try {
            thread.start();
            if (interrupted) {
                interrupt(); // it came while the thread was being set up
            }
            thread.join();
        } finally {
            running = null;
            cancellation = null;
        }
        if (interrupted && failure[0] == null) {
            failure[0] = new CellInterruptedException();
        }
        if (failure[0] != null) {
            lastFailure = failure[0];
            lastValue = null;
            throw new InvocationTargetException(failure[0]);
        }
        lastValue = value[0];
        return valueString(value[0]);
    }

    /** JShell's own plain-text form of a value: strings quoted, arrays with their elements. */
    static String text(Object value) {
        return valueString(value);
    }

    /** Carries a cell's own exception out of the monitor's supplier. */
    private static final class Failure extends RuntimeException {
        Failure(Throwable cause) {
            super(cause);
        }
    }
}
