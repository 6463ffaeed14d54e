package dev.topiary.kernel;

import dev.topiary.kernel.magic.Magic;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

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
 * {@code %lsmagic} lists magics in that order. Two libraries may not define magics of the same name.
 */
public interface KernelLibrary {

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

    /** The libraries that {@code loader} finds, in the order of their class names. */
    static List<KernelLibrary> load(ClassLoader loader) {
        return ServiceLoader.load(KernelLibrary.class, loader).stream().map(ServiceLoader.Provider::get)
                .sorted(Comparator.comparing(library -> library.getClass().getName()))
                .collect(Collectors.toList());
    }
}
