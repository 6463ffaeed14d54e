package dev.topiary.bench;

import dev.topiary.engine.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One line saying what a benchmark ran on, for the results it is printed with. */
final class MachineDescription {

    private MachineDescription() {}

    static String describe() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // Not Linux: the CPU stays unnamed.
        }
        long memory = ProcessMemory.totalMemoryBytes();
        return String.format("%s, %d cores visible, %.0f GiB memory; Java %s; %s %s", cpu,
                Runtime.getRuntime().availableProcessors(), memory / (double) (1L << 30),
                System.getProperty("java.version"), Engines.engine().getEngineName(), Engines.engine().getVersion());
    }
}
