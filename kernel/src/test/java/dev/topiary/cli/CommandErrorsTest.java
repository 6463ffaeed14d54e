package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** The command line's one error line, for every kind of failure. */
class CommandErrorsTest {

    @Test
    void theUsersErrorsPrintTheirMessageOnOneLine() {
        assertEquals("no notebook at x.ipynb", CommandErrors.describe(new TopiaryException("no notebook at x.ipynb")));
        assertEquals("first; second", CommandErrors.describe(new TopiaryException("first\n   second\n")));
    }

    @Test
    void fileSystemErrorsNameTheFileAndWhatHappenedInWords() {
        assertEquals("/m/config.json: already exists",
                CommandErrors.describe(new FileAlreadyExistsException("/m/config.json")));
        assertEquals("/m: no such file or directory", CommandErrors.describe(new UncheckedIOException(
                new NoSuchFileException("/m"))));
        assertEquals("/m: permission denied", CommandErrors.describe(new AccessDeniedException("/m")));
        assertEquals("/a -> /b: no space left on device",
                CommandErrors.describe(new FileSystemException("/a", "/b", "No space left on device")));
        assertEquals("stream closed", CommandErrors.describe(new IOException("Stream closed")));
    }

    @Test
    void anythingElseIsCalledABugWithTheWayToItsTrace() {
        assertEquals("internal error (NullPointerException: x is null); this is a bug in Topiary: run again with"
                + " --verbose for the stack trace and report it",
                CommandErrors.describe(new NullPointerException("x is null")));
        assertEquals("internal error (IllegalStateException); this is a bug in Topiary: run again with --verbose for"
                + " the stack trace and report it", CommandErrors.describe(new IllegalStateException()));
    }
}
