package dev.topiary.cli;

import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import dev.topiary.kernel.JShellSession;
import dev.topiary.kernel.KernelServer;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The Jupyter kernel itself, as Jupyter starts it from the kernelspec that {@code topiary install} writes. */
@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = "Run the Jupyter kernel on the connection file Jupyter gives (started by Jupyter, not by hand;"
                + " see `topiary install`).")
final class KernelCommand implements Callable<Integer> {

    @Option(names = "--connection-file", required = true, paramLabel = "FILE",
            description = "the connection file Jupyter writes ({connection_file} in kernel.json)")
    Path connectionFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String json;
        try {
            json = Files.readString(connectionFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "no connection file at " + connectionFile);
        } catch (IOException e) {
            throw new TopiaryException("cannot read the connection file " + connectionFile + ": "
                    + IoErrors.describe(e), e);
        }
        KernelConnectionProperties properties;
        try {
            properties = KernelConnectionProperties.parse(json);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), connectionFile + " is not a Jupyter connection file: "
                    + e.getMessage());
        }
        checkAddress(properties);
        try (JShellSession session = new JShellSession()) {
            new KernelServer(properties, session, TopiaryVersion.version()).serve();
        }
        // Threads a cell started may still run; the kernel's life ends with the shutdown request.
        Runtime.getRuntime().halt(0);
        return 0;
    }

    /** The kernel binds its sockets on the file's {@code ip}, so over TCP it must be an address of this machine. */
    private void checkAddress(KernelConnectionProperties properties) {
        String ip = properties.getIp();
        if (properties.getTransport() != null && !properties.getTransport().equalsIgnoreCase("tcp")
                || "*".equals(ip)) {
            return;
        }
        if (ip == null || ip.isBlank() || !isLocal(ip)) {
            throw new TopiaryException(connectionFile + ": the field \"ip\" is "
                    + (ip == null ? "missing" : "\"" + ip + "\", which is not an IP address of this machine")
                    + "; the kernel listens there (Jupyter writes \"127.0.0.1\")");
        }
    }

    private static boolean isLocal(String ip) {
        try {
            InetAddress address = InetAddress.getByName(ip);
            return address.isAnyLocalAddress() || address.isLoopbackAddress()
                    || NetworkInterface.getByInetAddress(address) != null;
        } catch (UnknownHostException e) {
            return false;
        } catch (SocketException e) {
            return true; // the interfaces cannot be listed: binding will tell
        }
    }
}
