package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The packaged kernel keeps its Jupyter library, gson and jeromq to itself, relocated inside topiary.jar. */
class PackagedJarIT {

    static final Path TARGET = Path.of("target");

    @Test
    void theJupyterLibrariesAreRelocatedInsideTheJar() throws IOException {
        try (JarFile jar = new JarFile(TARGET.resolve("topiary.jar").toFile())) {
            List<String> entries = jar.stream().map(e -> e.getName()).toList();
            for (String unshaded : List.of("io/github/spencerpark/", "org/zeromq/", "zmq/", "com/neilalexander/",
                    "com/google/gson/")) {
                assertTrue(entries.stream().noneMatch(e -> e.startsWith(unshaded)), unshaded + " is not relocated");
            }
            for (String shaded : List.of("dev/topiary/shaded/jupyter/channels/JupyterConnection.class",
                    "dev/topiary/shaded/zeromq/ZMQ.class", "dev/topiary/shaded/gson/Gson.class")) {
                assertTrue(entries.contains(shaded), shaded + " is missing");
            }
        }
    }

    @Test
    void libHoldsNoCopiesOfTheShadedJars() throws IOException {
        try (Stream<Path> lib = Files.list(TARGET.resolve("lib"))) {
            List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
            assertFalse(jars.isEmpty());
            for (String shaded : List.of("jupyter-jvm-basekernel", "jeromq", "jnacl")) {
                assertTrue(jars.stream().noneMatch(j -> j.startsWith(shaded + "-")), shaded + " is in lib/: " + jars);
            }
        }
    }
}
