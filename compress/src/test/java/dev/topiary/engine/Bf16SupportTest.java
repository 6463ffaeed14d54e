package dev.topiary.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches for the day DJL's PyTorch binding can hold bfloat16. Today any bf16 array aborts the process (the JNI's
 * dtype switch ends in a bare {@code throw;}, so C++ terminates: docs/engine-notes.md), which is why Topiary
 * converts bf16 checkpoints in Java and computes in fp32 on the CPU. The probe runs in a child JVM with this
 * build's classpath; when a DJL upgrade makes it succeed, this test fails and says so: bf16 compute (fp32 master
 * weights, bf16 matmul inputs; the CPU's bf16 instructions) can then be added as a precision option.
 */
class Bf16SupportTest {

    /** What the abort looks like: SIGABRT (128 + 6) after libstdc++'s message. */
    private static final int ABORTED = 134;

    @Test
    void bf16ArraysStillAbortTheProcessAsRecorded(@TempDir Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("probe.log");
        Process probe = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true", "-Dai.djl.offline=true",
                "-XX:ErrorFile=" + dir.resolve("hs_err.log"), "-cp", System.getProperty("java.class.path"),
                Bf16Probe.class.getName()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).directory(dir.toFile()).start();
        if (!probe.waitFor(120, TimeUnit.SECONDS)) {
            probe.destroyForcibly();
            fail("the bf16 probe did not finish in 120 s: " + Files.readString(out, StandardCharsets.UTF_8));
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        if (probe.exitValue() == 0 && log.contains("bf16 works: [1.75, -9.0, 1.125, 8.5]")) {
            fail("DJL now creates and multiplies bf16 arrays (" + log.strip().lines().reduce((a, b) -> b).orElse("")
                    + "): bf16 compute can be added, and docs/engine-notes.md updated");
        }
        assertEquals(ABORTED, probe.exitValue(), log);
        assertTrue(log.contains("step: fp32 to bf16") && !log.contains("step: bf16 matmul")
                && log.contains("terminate called without an active exception"), log);
    }
}
