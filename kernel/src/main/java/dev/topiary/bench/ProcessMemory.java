package dev.topiary.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.engine.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory as Linux reports it in {@code /proc/self/status} (Java heap and native alike). */
final class ProcessMemory {

    private ProcessMemory() {}

    /**
     * Starts libtorch (offline) and returns the resident set size then: a memory probe's baseline, so that the
     * engine's own footprint is not counted as what the probe measures.
     */
    static long baselineWithEngineStarted() {
        Engines.configureOffline();
        try (NDManager m = Engines.engine().newBaseManager()) {
            m.ones(new Shape(4)).sum().getFloat();
        }
        return residentBytes();
    }

    /** Current resident set size, in bytes. */
    static long residentBytes() {
        return statusField("/proc/self/status", "VmRSS:");
    }

    /** The highest resident set size this process has had, in bytes. */
    static long peakResidentBytes() {
        return statusField("/proc/self/status", "VmHWM:");
    }

    static long totalMemoryBytes() {
        return statusField("/proc/meminfo", "MemTotal:");
    }

    private static long statusField(String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read " + field + " from " + file + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(file + " has no " + field + " line (memory is measured on Linux only)");
    }
}
