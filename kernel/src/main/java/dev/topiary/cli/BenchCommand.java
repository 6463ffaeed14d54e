package dev.topiary.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.bench.Benchmarks;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Measures this machine: matmul rate, forward throughput, and the memory loading a checkpoint takes. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark matmul GFLOP/s, forward tokens/s (tiny and 1B-shaped random models), the peak"
                + " memory of loading a 1B-shaped bf16 checkpoint, and the time of pruning surgery and quantization"
                + " (RTN, GPTQ), and decoding speed against memory bandwidth, Topiary's and llama.cpp's on GGUF exports. Prints a report; takes a few minutes.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N", description = "timed runs per measurement")
    int repeats;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N", description = "untimed runs before timing")
    int warmup;

    @Option(names = "--small-only", description = "skip the 1B-shaped model (minutes and 8 GB of memory)")
    boolean smallOnly;

    @Option(names = "--only", paramLabel = "SUITE", description = "run one suite: foundation (matmul, forward,"
            + " training, loading), compression (pruning surgery, quantization), gptq (GPTQ by its parts, and the"
            + " whole-model time they imply) or deploy (memory bandwidth, decoding by Topiary and by llama.cpp on f16,"
            + " q8_0, q4_0 and q4_K exports); default: all")
    String only;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "where the 1B checkpoint is written"
            + " (default: a temporary directory, deleted afterwards)")
    Path workDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Set<Benchmarks.Suite> suites = EnumSet.allOf(Benchmarks.Suite.class);
        if (only != null) {
            try {
                suites = EnumSet.of(Benchmarks.Suite.valueOf(only.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--only must be foundation, compression, gptq or deploy,"
                        + " got '"
                        + only + "'");
            }
        }
        Benchmarks.run(spec.commandLine().getOut(), warmup, repeats, !smallOnly, workDir, Device.cpu(), DataType.FLOAT32,
                suites);
        return 0;
    }
}
