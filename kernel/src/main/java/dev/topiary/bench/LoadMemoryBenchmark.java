package dev.topiary.bench;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Peak resident memory of loading a checkpoint, measured in a child JVM, relative to the checkpoint's size. */
final class LoadMemoryBenchmark {

    private LoadMemoryBenchmark() {}

    /** Loads {@code dir} in a fresh JVM and returns a line describing the memory it took. */
    static String measure(Path dir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true",
                "-cp", System.getProperty("java.class.path"), LoadMemoryProbe.class.getName(), dir.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new TopiaryException("the load-memory probe failed on " + dir + " (exit " + p.exitValue() + ")");
        }
        String[] parts = out.split("\\s+");
        long baseline = Long.parseLong(parts[0]);
        long peak = Long.parseLong(parts[1]);
        long parameters = Long.parseLong(parts[2]);
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
}
