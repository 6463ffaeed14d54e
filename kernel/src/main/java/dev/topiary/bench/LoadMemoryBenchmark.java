package dev.topiary.bench;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Peak resident memory of loading a checkpoint, relative to its size, and of models derived from it that share its
 * weights; each measured in a child JVM.
 */
final class LoadMemoryBenchmark {

    private LoadMemoryBenchmark() {}

    /** Loads {@code dir} in a fresh JVM and returns a line describing the memory it took. */
    static String measure(Path dir) throws IOException, InterruptedException {
        long[] measured = probe(LoadMemoryProbe.class, dir);
        long baseline = measured[0];
        long peak = measured[1];
        long parameters = measured[2];
        long fileBytes;
        try (Stream<Path> files = Files.list(dir)) {
            fileBytes = files.filter(f -> f.toString().endsWith(".safetensors")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
        long fp32Bytes = parameters * 4;
        long added = peak - baseline;
        return String.format("checkpoint %.2f GB (bf16), fp32 weights %.2f GB; peak RSS %.2f GB above a %.2f GB"
                        + " baseline = %.2f x the checkpoint, %.2f x the loaded fp32 weights",
                fileBytes / 1e9, fp32Bytes / 1e9, added / 1e9, baseline / 1e9, added / (double) fileBytes,
                added / (double) fp32Bytes);
    }

    /**
     * Loads {@code dir} as a DSL model in a fresh JVM, derives three models from it by {@code withData}, and returns
     * a line comparing the peak memory after loading and after the chain.
     */
    static String measureChain(Path dir) throws IOException, InterruptedException {
        long[] measured = probe(ChainMemoryProbe.class, dir);
        long fp32Bytes = measured[3] * 4;
        return String.format("fp32 weights %.2f GB; peak RSS above the %.2f GB baseline %.2f GB after loading, %.2f GB"
                        + " after three withData models (%+.2f GB; a copy each would add %.2f GB)", fp32Bytes / 1e9,
                measured[0] / 1e9, (measured[1] - measured[0]) / 1e9, (measured[2] - measured[0]) / 1e9,
                (measured[2] - measured[1]) / 1e9, 3 * fp32Bytes / 1e9);
    }

    /** Runs {@code probe}'s main on {@code dir} in a fresh JVM; the numbers it printed. */
    private static long[] probe(Class<?> probe, Path dir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true",
                "-cp", System.getProperty("java.class.path"), probe.getName(), dir.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new TopiaryException("the memory probe " + probe.getSimpleName() + " failed on " + dir + " (exit "
                    + p.exitValue() + ")");
        }
        return Arrays.stream(out.split("\\s+")).mapToLong(Long::parseLong).toArray();
    }
}
