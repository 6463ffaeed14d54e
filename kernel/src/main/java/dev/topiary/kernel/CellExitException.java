package dev.topiary.kernel;

/** Thrown in a cell in place of ending the JVM: the kernel, and the session's variables, live on. */
public final class CellExitException extends RuntimeException {

    CellExitException(String call) {
        super(call + " was called in a cell; the kernel keeps running. Use Kernel > Restart to start afresh");
    }
}
