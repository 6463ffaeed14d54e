package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged kernel against real Jupyter clients: each Python suite under {@code src/test/python} runs with
 * Debian's Python and its Jupyter packages. Without them the suites are skipped, unless
 * {@code TOPIARY_REQUIRE_JUPYTER=1} (as in CI) makes their absence a failure. The suites, and the kernels and
 * servers they start, get a cache ({@code TOPIARY_CACHE}) and temporary directory ({@code TMPDIR}) of this run's
 * own, so nothing they build lands in the user's {@code ~/.cache/topiary}.
 */
class JupyterClientsIT {

    static final String PYTHON = "/usr/bin/python3";
    static final Path SUITES = Path.of("src", "test", "python");

    @TempDir
    static Path scratch;

    @BeforeAll
    static void jupyterIsThere() throws Exception {
        boolean present = Files.isExecutable(Path.of(PYTHON)) && run(PYTHON, "-c",
                "import jupyter_client, jupyter_kernel_test, nbclient, nbformat") == 0;
        if ("1".equals(System.getenv("TOPIARY_REQUIRE_JUPYTER"))) {
            assertTrue(present, PYTHON + " with jupyter_client, jupyter_kernel_test, nbclient and nbformat is"
                    + " required (TOPIARY_REQUIRE_JUPYTER=1); .ci/run installs them from Debian");
        }
        assumeTrue(present, "skipped: " + PYTHON + " lacks the Jupyter client packages (see .ci/run)");
        assertTrue(Files.isRegularFile(Path.of("target", "topiary.jar")), "the packaged kernel is missing");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"test_kernel_conformance", "test_kernel_robustness", "test_console", "test_notebooks",
        "test_browser"})
    void suitePasses(String suite) throws Exception {
        assertEquals(0, run(PYTHON, "-m", "unittest", "-v", suite), suite + " failed; its output is above");
    }

    /**
     * Runs a command in the suites' directory, with this run's cache and temporary directory and its output on this
     * process's; returns its exit code.
     */
    private static int run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(SUITES.toFile()).inheritIO();
        builder.environment().put("TOPIARY_CACHE", Files.createDirectories(scratch.resolve("cache")).toString());
        builder.environment().put("TMPDIR", Files.createDirectories(scratch.resolve("tmp")).toString());
        Process p = builder.start();
        if (!p.waitFor(20, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 20 minutes");
        }
        return p.exitValue();
    }
}
