package dev.topiary.kernel;

import dev.topiary.kernel.magic.Magic;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * What a library brings to every notebook session: imports, renderers for its types and magics. Libraries are
 * found with {@link ServiceLoader}: a jar on the kernel's class path names its implementations in
 * {@code META-INF/services/dev.topiary.kernel.KernelLibrary}, and each session makes its own instances (one
 * session's renderer or magic state is never another's). Topiary's own support is two such libraries,
 * {@link JdkLibrary} and {@link TopiaryLibrary}.
 *
 * <p>The order is that of the libraries' class names, whatever the order of the class path: each library's
 * imports run in that order before the first cell (so a later single-type import of a simple name replaces an
 * earlier one), renderers of equally specific types are consulted in that order (see {@link Renderer}), and
 * {@code %lsmagic} lists magics in that order. Libraries in jars that {@code %jars} or {@code %maven} add later
 * come after those, again in the order of their names. Two libraries may not define magics of the same name.
 */
public interface KernelLibrary {

    /** How many libraries {@link #load} leaves out before it stops looking. */
    int MAX_LOAD_FAILURES = 100;

    /** Import statements ({@code "import java.util.*;"}, {@code "import static a.B.*;"}) run in this order. */
    default List<String> imports() {
        return List.of();
    }

    /** Registers the library's renderers with {@code renderer}, in the order they should be consulted. */
    default void registerRenderers(Renderer renderer) {}

    /** The library's magics, as {@code %lsmagic} lists them. */
    default List<Magic> magics() {
        return List.of();
    }

    /**
     * The libraries that {@code loader} finds, in the order of their class names. One that cannot be loaded (its
     * class missing, its jar deleted since it was added) is left out, and {@code skipped} is told why.
     */
    static List<KernelLibrary> load(ClassLoader loader, Consumer<String> skipped) {
        List<KernelLibrary> found = new ArrayList<>();
        Iterator<KernelLibrary> providers = ServiceLoader.load(KernelLibrary.class, loader).iterator();
        // ServiceLoader moves past a provider or a service file that fails; the bound is for a loader that
        // would fail the same way again and again.
        for (int failures = 0; failures < MAX_LOAD_FAILURES; ) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                found.add(providers.next());
            } catch (ServiceConfigurationError e) {
                failures++;
                skipped.accept("a kernel library was left out: " + e.getMessage());
            }
        }
        found.sort(Comparator.comparing(library -> library.getClass().getName()));
        return found;
    }
}
