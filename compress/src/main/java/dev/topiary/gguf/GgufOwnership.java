package dev.topiary.gguf;

import dev.topiary.io.AtomicFile;
import dev.topiary.io.Overwrite;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a file is a GGUF file Topiary wrote: its metadata begins with {@code general.alignment} and then
 * {@link #LINEAGE_KEY}, as {@link LlamaGguf} writes every file. That decides whether an export may replace it
 * without being forced, as a manifest does for a directory.
 */
public final class GgufOwnership {

    /** The key of the model's lineage (its recipe JSON), written second in every file Topiary exports. */
    public static final String LINEAGE_KEY = "topiary.lineage";

    private static final int MAGIC = 0x46554747;

    private GgufOwnership() {}

    /**
     * Checks, before any work, that a GGUF file may be written at {@code file}: nothing is there, a GGUF file
     * Topiary wrote is there (replaced as a directory with Topiary's manifest is), or {@code overwrite} forces it.
     *
     * @throws dev.topiary.TopiaryException naming the path and what to do
     */
    public static void checkTarget(Path file, Overwrite overwrite) {
        AtomicFile.checkTarget(file, "GGUF file", writtenByTopiary(file) ? Overwrite.FORCE : overwrite);
    }

    /** Whether {@code file} is a regular file whose GGUF header says Topiary wrote it; false for anything else. */
    public static boolean writtenByTopiary(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(raw)) {
            ByteBuffer header = ByteBuffer.wrap(in.readNBytes(24)).order(ByteOrder.LITTLE_ENDIAN);
            if (header.remaining() < 24 || header.getInt() != MAGIC || header.getInt() != 3) {
                return false;
            }
            header.getLong();
            if (header.getLong() < 2 || !"general.alignment".equals(key(in))) {
                return false;
            }
            in.readNBytes(8); // type uint32, value uint32
            return LINEAGE_KEY.equals(key(in));
        } catch (IOException e) {
            return false;
        }
    }

    private static String key(DataInputStream in) throws IOException {
        ByteBuffer length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN);
        if (length.remaining() < 8) {
            return null;
        }
        long n = length.getLong();
        if (n < 0 || n > 256) {
            return null;
        }
        return new String(in.readNBytes((int) n), StandardCharsets.UTF_8);
    }
}
