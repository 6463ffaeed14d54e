package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.JShellSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.eclipse.aether.util.repository.SimpleArtifactDescriptorPolicy;

/**
 * {@code %maven group:artifact:version ... [--repo URL]}: resolves artifacts with their runtime dependencies from
 * Maven Central (and any repository named), caching them in the local Maven repository ({@code ~/.m2/repository}),
 * puts them on the session's class path and installs the kernel libraries they bring.
 */
public final class MavenMagic implements Magic {

    static final String CENTRAL = "https://repo.maven.apache.org/maven2/";
    /** Milliseconds to connect and to wait for a response: offline fails in seconds, not never. */
    static final int TIMEOUT_MILLIS = 15_000;

    private final Path localRepository;
    private RepositorySystem system;

    public MavenMagic() {
        this(Path.of(System.getProperty("user.home"), ".m2", "repository"));
    }

    MavenMagic(Path localRepository) {
        this.localRepository = localRepository;
    }

    @Override
    public String name() {
        return "maven";
    }

    @Override
    public String help() {
        return "%maven GROUP:ARTIFACT:VERSION... [--repo URL]: add artifacts and their runtime dependencies"
                + " from Maven Central to the class path";
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        List<String> coordinates = new ArrayList<>();
        List<RemoteRepository> repositories = new ArrayList<>();
        repositories.add(new RemoteRepository.Builder("central", "default", CENTRAL).build());
        String[] words = arguments.trim().isEmpty() ? new String[0] : arguments.trim().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            if (words[i].equals("--repo")) {
                if (i + 1 == words.length) {
                    return CellResult.failed("MagicError", "%maven: --repo needs a URL");
                }
                String url = words[++i];
                repositories.add(new RemoteRepository.Builder("repo" + repositories.size(), "default", url).build());
            } else if (words[i].split(":").length < 3) {
                return CellResult.failed("MagicError", "%maven: " + words[i] + " is not GROUP:ARTIFACT:VERSION");
            } else {
                coordinates.add(words[i]);
            }
        }
        if (coordinates.isEmpty()) {
            return CellResult.failed("MagicError", "%maven needs at least one GROUP:ARTIFACT:VERSION");
        }
        Set<Path> jars = new LinkedHashSet<>();
        for (String coordinate : coordinates) {
            try {
                jars.addAll(resolve(coordinate, repositories));
            } catch (DependencyResolutionException | IllegalArgumentException e) {
                return CellResult.failed("MagicError", "%maven could not resolve " + coordinate + ": "
                        + rootMessage(e));
            }
        }
        for (Path jar : jars) {
            session.addToClasspath(jar.toString());
            output.stream("stdout", "added " + jar.getFileName() + "\n");
        }
        return Magic.installNewLibraries(session, output);
    }

    /** The jars of {@code coordinate} and its runtime dependencies, downloaded when not cached. */
    private List<Path> resolve(String coordinate, List<RemoteRepository> repositories)
            throws DependencyResolutionException {
        RepositorySystem repositorySystem = system();
        DefaultRepositorySystemSession session = MavenRepositorySystemUtils.newSession();
        session.setLocalRepositoryManager(repositorySystem.newLocalRepositoryManager(session,
                new LocalRepository(localRepository.toFile())));
        // POM profiles activate on the JDK version: without the system properties every POM reads as invalid.
        session.setSystemProperties(System.getProperties());
        // A broken POM is an error, not an artifact without dependencies.
        session.setArtifactDescriptorPolicy(new SimpleArtifactDescriptorPolicy(true, false));
        session.setConfigProperty("aether.connector.connectTimeout", TIMEOUT_MILLIS);
        session.setConfigProperty("aether.connector.requestTimeout", TIMEOUT_MILLIS);
        CollectRequest collect = new CollectRequest(new Dependency(new DefaultArtifact(coordinate), JavaScopes.RUNTIME),
                repositories);
        DependencyRequest request = new DependencyRequest(collect,
                DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
        List<Path> jars = new ArrayList<>();
        for (ArtifactResult result : repositorySystem.resolveDependencies(session, request).getArtifactResults()) {
            jars.add(result.getArtifact().getFile().toPath());
        }
        return jars;
    }

    private synchronized RepositorySystem system() {
        if (system == null) {
            system = new RepositorySystemSupplier().get();
        }
        return system;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : e.getMessage() + " (" + root.getMessage() + ")";
    }
}
