package dev.topiary;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where long DSL work reports its progress and learns that it should stop: a listener and a {@link Cancellation},
 * current for a thread and inherited by the threads it starts.
 *
 * <p>Plain Java programs get the default: progress printed to standard error every tenth of a task, and
 * cancellation by interrupting the thread. The notebook kernel runs each cell {@linkplain #run within} its own
 * monitor, so progress becomes a bar in that cell and an interrupt stops the cell's work.
 */
public record Monitor(ProgressListener listener, Cancellation cancellation) {

    private static final InheritableThreadLocal<Monitor> CURRENT = new InheritableThreadLocal<>();
    private static final Monitor DEFAULT = new Monitor(ProgressListener.lines(System.err::println),
            Cancellation.none());

    public Monitor {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(cancellation, "cancellation");
    }

    /** The monitor of the calling thread. */
    public static Monitor current() {
        Monitor monitor = CURRENT.get();
        return monitor != null ? monitor : DEFAULT;
    }

    /** Runs {@code work} with {@code monitor} current on this thread (and threads it starts), then restores. */
    public static <T> T run(Monitor monitor, Supplier<T> work) {
        Monitor previous = CURRENT.get();
        CURRENT.set(Objects.requireNonNull(monitor, "monitor"));
        try {
            return work.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** Reports {@code progress} to the listener. */
    public void report(Progress progress) {
        listener.onProgress(progress);
    }

    /** Throws {@link java.util.concurrent.CancellationException} when the work should stop. */
    public void check(String what) {
        cancellation.check(what);
    }
}
