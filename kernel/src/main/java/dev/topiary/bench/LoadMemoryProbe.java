package dev.topiary.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import java.nio.file.Path;

/**
 * Loads one checkpoint in a fresh process and prints its resident memory before and at the peak of loading, as
 * {@code baseline peak} in bytes. Run by {@link LoadMemoryBenchmark} so that nothing else the benchmark did is
 * counted.
 */
public final class LoadMemoryProbe {

    private LoadMemoryProbe() {}

    public static void main(String[] args) {
        long baseline = ProcessMemory.baselineWithEngineStarted();
        try (Llama model = LlamaCheckpoint.load(Path.of(args[0]), Device.cpu(), DataType.FLOAT32)) {
            System.out.println(baseline + " " + ProcessMemory.peakResidentBytes() + " " + model.parameterCount());
        }
    }
}
