package dev.topiary.bench;

import dev.topiary.Corpus;
import dev.topiary.Model;
import java.nio.file.Path;

/**
 * Loads one checkpoint as a DSL {@link Model} in a fresh process, then derives a chain of three models from it that
 * differ only in their default data ({@link Model#withData}), and prints its resident memory as
 * {@code baseline peakAfterLoad peakAfterChain parameters} in bytes. Run by {@link LoadMemoryBenchmark}.
 */
public final class ChainMemoryProbe {

    private ChainMemoryProbe() {}

    public static void main(String[] args) {
        long baseline = ProcessMemory.baselineWithEngineStarted();
        try (Model loaded = Model.load(Path.of(args[0]), "cpu", "float32")) {
            long afterLoad = ProcessMemory.peakResidentBytes();
            Corpus train = Corpus.embedded(Corpus.Split.TRAIN);
            Corpus validation = Corpus.embedded(Corpus.Split.VALIDATION);
            try (Model first = loaded.withData(train, validation);
                    Model second = first.withData(validation, train);
                    Model third = second.withData(train, validation)) {
                System.out.println(baseline + " " + afterLoad + " " + ProcessMemory.peakResidentBytes() + " "
                        + third.parameterCount());
            }
        }
    }
}
