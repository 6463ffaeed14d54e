package dev.topiary.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file {@code topiary run} writes: it replaces only a notebook that an earlier run wrote, recognised by the mark
 * every run leaves in the notebook's metadata ({@code metadata.topiary.executed_by}), so that a user's notebook, or
 * any other file, is never overwritten by an executed copy.
 */
final class ExecutedNotebookFile {

    private static final String EXECUTED_BY = "executed_by";
    private static final String WRITER = "topiary run";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ExecutedNotebookFile() {}

    /** Marks {@code nb} as written by {@code topiary run}. */
    static void mark(ObjectNode nb) {
        ObjectNode metadata = nb.get("metadata") instanceof ObjectNode m ? m : nb.putObject("metadata");
        ObjectNode topiary = metadata.get("topiary") instanceof ObjectNode t ? t : metadata.putObject("topiary");
        topiary.put(EXECUTED_BY, WRITER);
    }

    /**
     * Checks, before anything runs, that the executed notebook may be written to {@code out}: nothing is there, or a
     * notebook an earlier run wrote.
     *
     * @throws TopiaryException naming the path and what to do otherwise
     */
    static void check(Path out) {
        if (Files.isDirectory(out)) {
            throw new TopiaryException("--out " + out + " is a directory; give the executed notebook's file name, e.g. "
                    + out.resolve("executed.ipynb"));
        }
        if (Files.isSymbolicLink(out) && !Files.exists(out)) {
            throw new TopiaryException("--out " + out + " is a link to a missing file; remove it or choose another"
                    + " --out");
        }
        var file = IoErrors.fileAmongParents(out);
        if (file.isPresent()) {
            throw new TopiaryException("--out " + out + ": " + file.get() + " is a file, not a directory");
        }
        if (Files.exists(out) && !writtenByRun(out)) {
            throw new TopiaryException("--out " + out + " exists and is not a notebook that topiary run wrote;"
                    + " choose another --out, or move the file away yourself");
        }
    }

    private static boolean writtenByRun(Path file) {
        try {
            JsonNode json = MAPPER.readTree(file.toFile());
            return json != null && WRITER.equals(json.path("metadata").path("topiary").path(EXECUTED_BY).asText());
        } catch (IOException e) {
            return false;
        }
    }
}
