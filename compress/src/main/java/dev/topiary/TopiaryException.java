package dev.topiary;

/**
 * An error caused by the user's input or environment (a missing file, a malformed checkpoint, an id outside the
 * vocabulary), with a one-line message that names what was wrong, what was expected and where.
 *
 * <p>Code that catches it at a boundary (the command line, the kernel) prints the message alone, without a stack
 * trace; anything else escaping is a bug in Topiary.
 */
public class TopiaryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TopiaryException(String message) {
        super(message);
    }

    public TopiaryException(String message, Throwable cause) {
        super(message, cause);
    }
}
