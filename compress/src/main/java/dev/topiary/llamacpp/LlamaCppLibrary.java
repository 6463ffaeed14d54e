package dev.topiary.llamacpp;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.topiary.TopiaryException;
import dev.topiary.embedded.CacheDirectory;
import dev.topiary.io.AtomicFile;
import dev.topiary.io.IoErrors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The llama.cpp native library (build b4916) bundled in the {@code de.kherud:llama} jar, loaded once into this
 * process through JNA; only its C API is used, never the jar's Java classes.
 *
 * <p>On first use the library is copied out of the jar into Topiary's cache ({@code native/} under
 * {@link CacheDirectory#root()}) under a name that carries its SHA-256 (written through {@link AtomicFile}, so
 * concurrent JVMs never see half a file), loaded, told to
 * send its log here (warnings and below are dropped, errors are kept for the next exception message) and its backend
 * is initialized. Only Linux x86_64 is supported: the struct layouts in this package were verified for that build.
 */
public final class LlamaCppLibrary {

    /** The resource path of the bundled library inside the jar. */
    static final String RESOURCE = "/de/kherud/llama/Linux/x86_64/libjllama.so";

    private static final int LOG_LEVEL_ERROR = 4;
    private static final int LOG_LEVEL_CONT = 5;
    private static final int MAX_KEPT_ERROR_CHARS = 4000;

    private static final Object LOCK = new Object();
    private static volatile LlamaCppFunctions functions;

    /** The log receiver; a static field keeps it reachable while native code may call it. */
    private static final LlamaCppFunctions.LogCallback LOG = LlamaCppLibrary::log;
    private static final StringBuilder ERRORS = new StringBuilder();
    private static int lastLevel;

    private LlamaCppLibrary() {
    }

    /**
     * The loaded library, extracting and loading it on the first call.
     *
     * @return the C functions
     * @throws TopiaryException on an OS or architecture without a bundled library, or when it cannot be extracted
     *     or loaded
     */
    public static LlamaCppFunctions functions() {
        LlamaCppFunctions f = functions;
        if (f != null) {
            return f;
        }
        synchronized (LOCK) {
            if (functions == null) {
                functions = load();
            }
            return functions;
        }
    }

    /**
     * The error messages llama.cpp logged since the last call, and forgets them.
     *
     * @return the messages, one line each, or an empty string
     */
    static String takeErrors() {
        synchronized (ERRORS) {
            String s = ERRORS.toString().strip();
            ERRORS.setLength(0);
            return s;
        }
    }

    /**
     * A message followed by llama.cpp's own logged errors, when it logged any.
     *
     * @param message what failed
     * @return the message, with {@code " (llama.cpp: ...)"} appended when llama.cpp logged errors
     */
    static String withLoggedErrors(String message) {
        String errors = takeErrors().replace('\n', ' ');
        return errors.isEmpty() ? message : message + " (llama.cpp: " + errors + ")";
    }

    private static void log(int level, Pointer text, Pointer userData) {
        boolean keep = level == LOG_LEVEL_ERROR || (level == LOG_LEVEL_CONT && lastLevel == LOG_LEVEL_ERROR);
        if (level != LOG_LEVEL_CONT) {
            lastLevel = level;
        }
        if (keep && text != null) {
            synchronized (ERRORS) {
                if (ERRORS.length() < MAX_KEPT_ERROR_CHARS) {
                    ERRORS.append(text.getString(0, "UTF-8"));
                }
            }
        }
    }

    private static LlamaCppFunctions load() {
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")
                || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new TopiaryException("llama.cpp is available to Topiary on Linux x86_64 only (its struct layouts "
                    + "were verified for that build); this JVM runs on " + os + " " + arch);
        }
        Path file = extract();
        LlamaCppFunctions f;
        try {
            f = Native.load(file.toString(), LlamaCppFunctions.class,
                    Map.of(Library.OPTION_STRING_ENCODING, StandardCharsets.UTF_8.name()));
        } catch (UnsatisfiedLinkError e) {
            throw new TopiaryException("Cannot load llama.cpp's native library " + file + ": " + e.getMessage()
                    + " (it needs libgomp.so.1 and libstdc++.so.6 on the system)", e);
        }
        f.llama_log_set(LOG, null);
        f.ggml_log_set(LOG, null);
        f.llama_backend_init();
        return f;
    }

    private static Path extract() {
        byte[] bytes;
        try (InputStream in = LlamaCppLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new TopiaryException("llama.cpp's native library " + RESOURCE + " is not on the class path; "
                        + "add the de.kherud:llama jar (4.2.0)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new TopiaryException("Cannot read llama.cpp's native library " + RESOURCE + " from the class path: "
                    + e.getMessage(), e);
        }
        String sha = sha256(bytes);
        Path target = CacheDirectory.root().resolve("native").resolve("libjllama-" + sha + ".so");
        if (Files.isRegularFile(target) && sameContent(target, sha)) {
            return target;
        }
        try {
            AtomicFile.write(target, out -> out.write(bytes));
            return target;
        } catch (IOException e) {
            throw new TopiaryException("Cannot write llama.cpp's native library to " + target + ": "
                    + IoErrors.describe(e), e);
        }
    }

    private static boolean sameContent(Path file, String sha) {
        try {
            return sha256(Files.readAllBytes(file)).equals(sha);
        } catch (IOException e) {
            return false;
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
