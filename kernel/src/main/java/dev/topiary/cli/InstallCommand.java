package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.topiary.TopiaryException;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.Overwrite;
import dev.topiary.kernel.KernelLogo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Installs the Jupyter kernelspec: {@code kernel.json}, the logos, and the kernel itself ({@code topiary.jar} and its
 * {@code lib/}), linked or copied into the spec's directory so the kernel does not depend on where it was built.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Install the Topiary kernel for Jupyter (a kernelspec with the kernel's jars in it).")
final class InstallCommand implements Callable<Integer> {

    /** Where the spec goes: one of the three, the user's data directory by default. */
    static final class Location {
        @Option(names = "--user", description = "the user's Jupyter data directory (default)")
        boolean user;

        @Option(names = "--sys-prefix", description = "the prefix of the Python environment that runs `jupyter`")
        boolean sysPrefix;

        @Option(names = "--prefix", paramLabel = "DIR", description = "DIR/share/jupyter")
        Path prefix;
    }

    @ArgGroup(exclusive = true)
    Location location = new Location();

    @Option(names = "--name", defaultValue = "topiary", paramLabel = "NAME",
            description = "the kernel's name (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--display-name", defaultValue = "Java (Topiary)", paramLabel = "TEXT",
            description = "the name Jupyter shows (default: ${DEFAULT-VALUE})")
    String displayName;

    @Option(names = "--jvm-option", paramLabel = "OPTION", description = "a JVM option for the kernel, e.g."
            + " --jvm-option=-Xmx8g (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "an environment variable for the kernel"
            + " (repeatable)")
    List<String> environment = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Option(names = "--force", description = "also write into a kernel directory Topiary did not write, beside its"
            + " files; no file there is deleted or replaced")
    boolean force;

    @Option(names = "--jar", paramLabel = "FILE", description = "the topiary.jar to install, its lib/ beside it"
            + " (default: the one running)")
    Path jar;

    @Override
    public Integer call() throws Exception {
        if (!name.matches("[A-Za-z0-9._-]+") || name.equals(".") || name.equals("..")) {
            throw new TopiaryException("--name '" + name + "' is not a kernel name: use ASCII letters, digits, '-',"
                    + " '.' and '_' (not '.' or '..' alone), e.g. topiary or topiary-17");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : environment) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--env needs KEY=VALUE, got '" + pair + "'");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        Path kernelJar = jar != null ? jar : runningJar();
        if (!Files.isRegularFile(kernelJar)) {
            throw new ParameterException(spec.commandLine(), "--jar: no file at " + kernelJar);
        }
        Path target = dataDirectory().resolve("kernels").resolve(name);
        Overwrite overwrite = force ? Overwrite.FORCE : Overwrite.TOPIARY_OUTPUT;
        AtomicDirectory.write(target, "kernelspec", overwrite, staging -> {
            place(kernelJar, staging.resolve("topiary.jar"));
            Path lib = kernelJar.resolveSibling("lib");
            if (Files.isDirectory(lib)) {
                Files.createDirectory(staging.resolve("lib"));
                try (Stream<Path> jars = Files.list(lib)) {
                    for (Path j : (Iterable<Path>) jars::iterator) {
                        place(j, staging.resolve("lib").resolve(j.getFileName().toString()));
                    }
                }
            }
            for (int size : new int[] {32, 64}) {
                try (OutputStream out = Files.newOutputStream(staging.resolve("logo-" + size + "x" + size + ".png"))) {
                    KernelLogo.writePng(size, out);
                }
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(staging.resolve("kernel.json").toFile(), kernelJson(target, env));
        });
        spec.commandLine().getOut().println("installed kernel '" + name + "' (" + displayName + ") in " + target);
        return 0;
    }

    private Map<String, Object> kernelJson(Path target, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(jvmOptions);
        argv.addAll(List.of("-DDJL_OFFLINE=true", "-DOPT_OUT_TRACKING=true", "-jar",
                target.resolve("topiary.jar").toString(), "kernel", "--connection-file", "{connection_file}"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("argv", argv);
        json.put("display_name", displayName);
        json.put("language", "java");
        json.put("interrupt_mode", "message");
        json.put("env", env);
        json.put("metadata", Map.of("topiary_version", TopiaryVersion.version()));
        return json;
    }

    /** The Jupyter data directory the options name. */
    private Path dataDirectory() throws IOException, InterruptedException {
        if (location.prefix != null) {
            return location.prefix.toAbsolutePath().resolve("share").resolve("jupyter");
        }
        if (location.sysPrefix) {
            return Path.of(sysPrefix()).resolve("share").resolve("jupyter");
        }
        String configured = System.getenv("JUPYTER_DATA_DIR");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path home = Path.of(System.getProperty("user.home"));
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            return home.resolve("Library").resolve("Jupyter");
        }
        if (os.contains("win")) {
            String appData = System.getenv("APPDATA");
            return (appData != null ? Path.of(appData) : home.resolve("AppData").resolve("Roaming")).resolve("jupyter");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".local").resolve("share"))
                .resolve("jupyter");
    }

    /** {@code sys.prefix} of the Python that runs {@code jupyter}, asked through jupyter's own interpreter. */
    private String sysPrefix() throws IOException, InterruptedException {
        Path jupyter = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "jupyter");
            if (Files.isExecutable(candidate)) {
                jupyter = candidate;
                break;
            }
        }
        if (jupyter == null) {
            throw new ParameterException(spec.commandLine(), "--sys-prefix needs `jupyter` on the PATH; it is not"
                    + " installed (or use --user or --prefix DIR)");
        }
        String firstLine = Files.readAllLines(jupyter).stream().findFirst().orElse("");
        if (!firstLine.startsWith("#!")) {
            throw new ParameterException(spec.commandLine(), "cannot tell which Python runs " + jupyter
                    + "; use --prefix DIR instead");
        }
        List<String> command = new ArrayList<>(List.of(firstLine.substring(2).trim().split("\\s+")));
        command.addAll(List.of("-c", "import sys; print(sys.prefix)"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0 || out.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "could not ask " + String.join(" ", command.subList(0,
                    command.size() - 2)) + " for its prefix: " + out);
        }
        return out;
    }

    private Path runningJar() {
        try {
            Path source = Path.of(InstallCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(source) || !source.toString().endsWith(".jar")) {
                throw new ParameterException(spec.commandLine(), "install runs from the packaged topiary.jar (`./topiary"
                        + " install` or `java -jar topiary.jar install`), not from " + source);
            }
            return source;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A hard link when the file systems allow it, a copy otherwise. */
    private static void place(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from.toRealPath());
        } catch (FileSystemException | UnsupportedOperationException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
