package dev.topiary;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cooperative stop signal for long work (training, calibration, evaluation): the work checks it between steps
 * and ends by throwing {@link CancellationException}, leaving every value it was given intact. The thread's
 * interrupt flag counts as a request too, so interrupting a notebook cell's thread stops the work in it.
 */
public final class Cancellation {

    private final AtomicBoolean requested = new AtomicBoolean();

    /** A signal nobody will raise: for work that runs to completion. */
    public static Cancellation none() {
        return new Cancellation();
    }

    /** Asks the work to stop at its next check. */
    public void cancel() {
        requested.set(true);
    }

    public boolean isCancelled() {
        return requested.get() || Thread.currentThread().isInterrupted();
    }

    /** Throws if a stop was asked for; {@code what} names the work for the message. */
    public void check(String what) {
        if (isCancelled()) {
            throw new CancellationException(what + " was cancelled");
        }
    }
}
