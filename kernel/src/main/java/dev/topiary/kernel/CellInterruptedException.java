package dev.topiary.kernel;

/** Reported for a cell that was interrupted: it did not finish, whatever it returned. */
public final class CellInterruptedException extends RuntimeException {

    CellInterruptedException() {
        super("the cell was interrupted; the kernel and the session's variables are intact");
    }
}
