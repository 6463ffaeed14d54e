package dev.topiary.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.quant.ActivationScheme;
import dev.topiary.quant.ModelQuantizer;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The benchmark suite behind {@code topiary bench}: each measurement prints one line of a Markdown list. */
public final class Benchmarks {

    private Benchmarks() {}

    /** The groups of measurements {@code topiary bench} can run. */
    public enum Suite {
        /** Matmul rate, forward throughput, importance overhead, training, evaluation, checkpoint loading. */
        FOUNDATION,
        /** Pruning surgery and quantization time ({@link CompressionBenchmark}). */
        COMPRESSION,
        /** GPTQ by its parts on one layer's shapes, and the whole-model time they imply ({@link GptqBenchmark}). */
        GPTQ,
        /**
         * Memory bandwidth, and decoding speed against it: Topiary fp32 and llama.cpp on GGUF exports
         * ({@link DeployBenchmark}).
         */
        DEPLOY
    }

    /** Every suite. */
    public static void run(PrintWriter out, int warmup, int repeats, boolean oneBillion, Path workDir, Device device,
            DataType type) throws IOException, InterruptedException {
        run(out, warmup, repeats, oneBillion, workDir, device, type, EnumSet.allOf(Suite.class));
    }

    /** The {@code suites} chosen, printed to {@code out}; the 1B-shaped model's measurements when {@code oneBillion}. */
    public static void run(PrintWriter out, int warmup, int repeats, boolean oneBillion, Path workDir, Device device,
            DataType type, Set<Suite> suites) throws IOException, InterruptedException {
        boolean foundation = suites.contains(Suite.FOUNDATION);
        boolean compression = suites.contains(Suite.COMPRESSION);
        boolean deploy = suites.contains(Suite.DEPLOY);
        out.println("Machine: " + MachineDescription.describe());
        LlamaConfig tiny = LlamaPresets.tiny();
        if (foundation) {
            Timing matmul = MatmulBenchmark.measure(1024, 4096, 4096, warmup, repeats);
            double work = MatmulBenchmark.gigaflops(1024, 4096, 4096);
            out.println("- matmul 1024x4096x4096 fp32: " + matmul.rate(work, "GFLOP/s"));
            out.flush();
            try (Llama model = Llama.random(tiny, 1, device, type)) {
                report(out, "tiny", model, warmup, repeats);
                out.println("- tiny, importance estimation: " + ImportanceBenchmark.measure(model, 8, 256, 4, 1, repeats));
            }
            out.println("- training the embedded teacher's architecture (tiny), 16 x 256 tokens per step: "
                    + TrainingBenchmark.measure(tiny, 16, 256, work / matmul.median(), warmup, repeats));
            out.flush();
            try (Llama model = Llama.random(tiny, 1, device, type)) {
                print(out, EvaluationBenchmark.lines("tiny", model, EmbeddedData.obtain(), warmup, repeats));
            }
        }
        if (compression) {
            try (Llama model = Llama.random(tiny, 1, device, type)) {
                print(out, CompressionBenchmark.measure(model, warmup, repeats, warmup, repeats, 8, 256).lines("tiny"));
            }
            // What simulating activation quantization costs a forward pass: the same weights, inputs rounded or not.
            for (ActivationScheme activations : ActivationScheme.values()) {
                try (Llama model = Llama.random(tiny, 1, device, type);
                        PackedModel packed = ModelQuantizer.quantize(model, QuantScheme.INT8, false)
                                .withActivations(activations);
                        Llama simulated = packed.toLlama()) {
                    out.println("- tiny, INT8 weights and " + activations + ", held-out loss: "
                            + EvaluationBenchmark.loss(simulated, EmbeddedData.obtain(), warmup, repeats));
                }
            }
        }
        if (suites.contains(Suite.GPTQ)) {
            print(out, GptqBenchmark.measure("tiny", tiny, warmup, repeats, 16, 128, 256, 128));
            if (oneBillion) {
                // Preparing a 1B layer's Hessians takes about a minute: one warm-up, one timed run of each part.
                print(out, GptqBenchmark.measure("1B-shaped", LlamaPresets.llama32_1b(), 1, 1, 1, 4, 2048, 128));
            }
        }
        Path exports = deploy ? Files.createTempDirectory("topiary-deploy") : null;
        try {
            double bandwidth = 0;
            if (deploy) {
                long bytes = MemoryBandwidthBenchmark.DEFAULT_BYTES;
                Timing stream = MemoryBandwidthBenchmark.measure(bytes, warmup, repeats);
                Timing vectorised = MemoryBandwidthBenchmark.measureVectorised(bytes, warmup, repeats);
                bandwidth = Math.max(MemoryBandwidthBenchmark.gigabytesPerSecond(bytes, stream),
                        MemoryBandwidthBenchmark.gigabytesPerSecond(bytes, vectorised));
                out.println(String.format("- memory bandwidth, every core summing its share of %.2f GB off-heap: %s",
                        bytes / 1e9, stream.rate(bytes / 1e9, "GB/s")));
                out.println(String.format("- memory bandwidth, libtorch's vectorised sum of %.2f GB: %s",
                        bytes / 1e9, vectorised.rate(bytes / 1e9, "GB/s")));
                out.println(String.format("- bandwidth limit used below (the faster): %.1f GB/s", bandwidth));
                try (Llama model = Llama.random(tiny, 1, device, type)) {
                    print(out, DeployBenchmark.measure(model, EmbeddedData::obtain, exports, bandwidth, warmup, repeats)
                            .lines("tiny"));
                }
            }
            if (oneBillion) {
                runOneBillion(out, repeats, workDir, device, type, suites, exports, bandwidth);
            }
        } finally {
            if (exports != null) {
                deleteTree(exports);
            }
        }
    }

    private static void runOneBillion(PrintWriter out, int repeats, Path workDir, Device device, DataType type,
            Set<Suite> suites, Path exports, double bandwidth) throws IOException, InterruptedException {
        boolean foundation = suites.contains(Suite.FOUNDATION);
        boolean compression = suites.contains(Suite.COMPRESSION);
        boolean deploy = suites.contains(Suite.DEPLOY);
        LlamaConfig billion = LlamaPresets.llama32_1b();
        Path dir = !foundation ? null : workDir != null ? workDir : Files.createTempDirectory("topiary-bench");
        Path checkpoint = dir == null ? null : dir.resolve("llama-3.2-1b-shaped-bf16");
        int fewer = Math.max(1, repeats / 2);
        try {
            try (Llama model = Llama.random(billion, 1, device, type)) {
                if (foundation) {
                    report(out, "1B-shaped (Llama-3.2-1B architecture)", model, 1, fewer);
                    out.println("- 1B-shaped, importance estimation: "
                            + ImportanceBenchmark.measure(model, 1, 256, 2, 1, fewer));
                }
                if (compression) {
                    // Pruning takes seconds: every repeat. Quantizing the whole model takes minutes: one timed run.
                    print(out, CompressionBenchmark.measure(model, 1, repeats, 0, 1, 2, 256).lines("1B-shaped"));
                }
                if (deploy) {
                    print(out, DeployBenchmark.measure(model, EmbeddedData::obtain, exports, bandwidth, 1, fewer)
                            .lines("1B-shaped"));
                }
                if (foundation) {
                    LlamaCheckpoint.save(model, checkpoint, TensorDType.BF16);
                }
            }
            if (foundation) {
                out.println("- load 1B-shaped bf16 checkpoint: " + LoadMemoryBenchmark.measure(checkpoint));
                out.println("- 1B-shaped model and three withData models: "
                        + LoadMemoryBenchmark.measureChain(checkpoint));
            }
        } finally {
            if (dir != null && workDir == null) {
                deleteTree(dir);
            }
        }
        out.flush();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private static void print(PrintWriter out, List<String> lines) {
        lines.forEach(out::println);
        out.flush();
    }

    private static void report(PrintWriter out, String name, Llama model, int warmup, int repeats) {
        String label = "- " + name + String.format(" (%,d parameters)", model.parameterCount());
        out.println(label + ", prefill 1x128: " + ForwardBenchmark.prefill(model, 1, 128, warmup, repeats));
        out.println(label + ", prefill 8x128: " + ForwardBenchmark.prefill(model, 8, 128, warmup, repeats));
        out.println(label + ", decode 32 after 128: " + ForwardBenchmark.decode(model, 128, 32, warmup, repeats));
        out.flush();
    }
}
