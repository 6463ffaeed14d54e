package dev.topiary.kernel.testlibrary;

import dev.topiary.kernel.KernelLibrary;
import dev.topiary.kernel.MimeBundle;
import dev.topiary.kernel.Renderer;
import dev.topiary.kernel.magic.Magic;
import java.util.List;

/**
 * A third-party library as the kernel finds it, through this module's test
 * {@code META-INF/services/dev.topiary.kernel.KernelLibrary}: it imports {@link Greeting}, shows greetings as HTML
 * and brings {@code %greet}.
 */
public final class GreetingLibrary implements KernelLibrary {

    @Override
    public List<String> imports() {
        return List.of("import dev.topiary.kernel.testlibrary.Greeting;");
    }

    @Override
    public void registerRenderers(Renderer renderer) {
        renderer.register(Greeting.class, (greeting, r) -> MimeBundle.html("<b>hello, " + greeting.name() + "</b>",
                "hello, " + greeting.name()));
    }

    @Override
    public List<Magic> magics() {
        return List.of(new GreetMagic());
    }
}
