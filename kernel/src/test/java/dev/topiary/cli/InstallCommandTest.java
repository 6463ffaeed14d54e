package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topiary install}: the kernelspec Jupyter reads. */
class InstallCommandTest {

    @TempDir
    Path dir;

    /** A stand-in for a built kernel: a jar with a lib/ folder beside it. */
    private Path build() throws IOException {
        Path target = Files.createDirectories(dir.resolve("build"));
        Files.writeString(target.resolve("topiary.jar"), "jar bytes");
        Files.createDirectories(target.resolve("lib"));
        Files.writeString(target.resolve("lib").resolve("dependency.jar"), "dependency bytes");
        return target.resolve("topiary.jar");
    }

    @Test
    void writesAKernelspecWithTheKernelInIt() throws Exception {
        Path jar = build();
        Path prefix = dir.resolve("prefix");
        CommandRun r = CommandRun.run("install", "--prefix", prefix.toString(), "--jar", jar.toString(),
                "--jvm-option=-Xmx6g", "--env", "TOPIARY_CACHE=/data/cache", "--display-name", "Java 17 (Topiary)");
        assertEquals(0, r.code(), r.err());
        Path spec = prefix.resolve("share/jupyter/kernels/topiary");
        assertTrue(r.out().contains(spec.toString()), r.out());

        JsonNode json = new ObjectMapper().readTree(spec.resolve("kernel.json").toFile());
        List<String> argv = new ObjectMapper().convertValue(json.get("argv"), List.class);
        assertEquals(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx6g",
                "-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true", "-jar", spec.resolve("topiary.jar").toString(),
                "kernel", "--connection-file", "{connection_file}"), argv);
        assertEquals("Java 17 (Topiary)", json.get("display_name").asText());
        assertEquals("java", json.get("language").asText());
        assertEquals("message", json.get("interrupt_mode").asText());
        assertEquals("/data/cache", json.get("env").get("TOPIARY_CACHE").asText());

        assertEquals("jar bytes", Files.readString(spec.resolve("topiary.jar")));
        assertEquals("dependency bytes", Files.readString(spec.resolve("lib/dependency.jar")));
        for (int size : new int[] {32, 64}) {
            BufferedImage logo = ImageIO.read(spec.resolve("logo-" + size + "x" + size + ".png").toFile());
            assertEquals(size, logo.getWidth());
            assertEquals(size, logo.getHeight());
        }

        // Installing again replaces the spec, leaving nothing else behind.
        assertEquals(0, CommandRun.run("install", "--prefix", prefix.toString(), "--jar", jar.toString()).code());
        json = new ObjectMapper().readTree(spec.resolve("kernel.json").toFile());
        assertEquals("Java (Topiary)", json.get("display_name").asText());
        try (var entries = Files.list(spec.getParent())) {
            assertEquals(List.of(spec), entries.toList());
        }
    }

    @Test
    void jupyterListsTheInstalledKernel() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/jupyter")), "jupyter is not installed");
        Path prefix = dir.resolve("prefix");
        assertEquals(0, CommandRun.run("install", "--prefix", prefix.toString(), "--jar", build().toString(),
                "--name", "topiary-test").code());
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/jupyter", "kernelspec", "list", "--json");
        pb.environment().put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
        Process p = pb.redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        JsonNode spec = new ObjectMapper().readTree(out).get("kernelspecs").get("topiary-test");
        assertEquals("Java (Topiary)", spec.get("spec").get("display_name").asText());
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        String jar = build().toString();
        CommandRun env = CommandRun.run("install", "--prefix", dir.toString(), "--jar", jar, "--env", "NOVALUE");
        assertEquals(2, env.code());
        assertTrue(env.err().startsWith("--env needs KEY=VALUE, got 'NOVALUE'"), env.err());
        CommandRun both = CommandRun.run("install", "--user", "--prefix", dir.toString(), "--jar", jar);
        assertEquals(2, both.code());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
        CommandRun name = CommandRun.run("install", "--prefix", dir.toString(), "--jar", jar, "--name", "a b");
        assertEquals(1, name.code());
        assertTrue(name.err().startsWith("topiary install: error: --name 'a b' is not a kernel name"), name.err());
        CommandRun missing = CommandRun.run("install", "--prefix", dir.toString(), "--jar", dir.resolve("x.jar")
                .toString());
        assertTrue(missing.err().startsWith("--jar: no file at"), missing.err());
    }
}
