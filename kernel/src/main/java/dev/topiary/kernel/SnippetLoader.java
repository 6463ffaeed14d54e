package dev.topiary.kernel;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;
import jdk.jshell.spi.ExecutionControl.EngineTerminationException;
import jdk.jshell.spi.ExecutionControl.InternalException;

/**
 * Loads the classes JShell compiles from a notebook's cells into the kernel's own JVM, after {@link ExitGuard}
 * has made their calls to {@code System.exit} harmless. Its parent is the kernel's class loader, so cells see
 * Topiary and its dependencies; jars added during the session go on this loader's own path.
 */
final class SnippetLoader implements LoaderDelegate {

    private final Map<String, byte[]> compiled = new ConcurrentHashMap<>();
    private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();
    private final Loader loader;
    private final Set<Path> parentPath;

    /**
     * @param parentPath what {@code parent} loads from already (the kernel's class path): JShell hands it over for
     *     the compiler, and this loader does not open those jars a second time
     */
    SnippetLoader(ClassLoader parent, Set<Path> parentPath) {
        this.loader = new Loader(parent);
        this.parentPath = parentPath;
    }

    /** The loader cells run in: the context class loader of every cell thread. */
    ClassLoader classLoader() {
        return loader;
    }

    @Override
    public void load(ClassBytecodes[] classes) throws ClassInstallException, EngineTerminationException {
        boolean[] installed = new boolean[classes.length];
        for (ClassBytecodes c : classes) {
            compiled.put(c.name(), ExitGuard.rewrite(c.bytecodes()));
        }
        try {
            for (int i = 0; i < classes.length; i++) {
                loaded.put(classes[i].name(), loader.loadClass(classes[i].name()));
                installed[i] = true;
            }
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ClassInstallException("could not load a cell's class: " + e, installed);
        }
    }

    @Override
    public void classesRedefined(ClassBytecodes[] classes) {
        for (ClassBytecodes c : classes) {
            compiled.put(c.name(), ExitGuard.rewrite(c.bytecodes()));
        }
    }

    @Override
    public void addToClasspath(String path) throws EngineTerminationException, InternalException {
        try {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isEmpty() && !parentPath.contains(Path.of(entry).toAbsolutePath())) {
                    loader.add(Path.of(entry).toUri().toURL());
                }
            }
        } catch (MalformedURLException e) {
            throw new InternalException("not a usable class path entry: " + path + " (" + e.getMessage() + ")");
        }
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> c = loaded.get(name);
        if (c == null) {
            throw new ClassNotFoundException(name + " is not a class of this session's cells");
        }
        return c;
    }

    /** Cells' classes from memory, added jars from their URLs, everything else from the kernel. */
    private final class Loader extends URLClassLoader {

        static {
            registerAsParallelCapable();
        }

        Loader(ClassLoader parent) {
            super("topiary-cells", new URL[0], parent);
        }

        void add(URL url) {
            addURL(url);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = compiled.get(name);
            if (bytes != null) {
                return defineClass(name, bytes, 0, bytes.length);
            }
            return super.findClass(name);
        }
    }
}
