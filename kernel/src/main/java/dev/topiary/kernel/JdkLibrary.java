package dev.topiary.kernel;

import java.util.List;

/** The everyday JDK packages, imported in every session: collections, streams and files. */
public final class JdkLibrary implements KernelLibrary {

    @Override
    public List<String> imports() {
        return List.of(
                "import java.util.*;",
                "import java.util.stream.*;",
                "import java.nio.file.*;");
    }
}
