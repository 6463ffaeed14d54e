package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns a cell's value into what the notebook shows, through the {@link ValueRenderer}s the session's libraries
 * registered per type (see {@link KernelLibrary#registerRenderers}); a value no renderer takes is shown as JShell
 * would print it. Of the renderers whose type the value has, the one for the most specific type wins (a renderer
 * for {@code ArrayList} over one for {@code List}); between types neither of which is more specific (two
 * interfaces), the one registered first. One per session: it also remembers which scripts the page has already
 * ({@link #firstOnPage}).
 */
public final class Renderer {

    private record Registration<T>(Class<T> type, ValueRenderer<? super T> renderer) {

        MimeBundle render(Object value, Renderer session) {
            return renderer.render(type.cast(value), session);
        }
    }

    private final List<Registration<?>> registrations = new CopyOnWriteArrayList<>();
    private final Set<String> onPage = ConcurrentHashMap.newKeySet();

    /** A renderer with nothing registered: it shows every value as plain text until libraries register theirs. */
    Renderer() {}

    /** Shows values of {@code type} (and of its subtypes, unless a more specific renderer is registered) with it. */
    public <T> void register(Class<T> type, ValueRenderer<? super T> renderer) {
        registrations.add(new Registration<>(type, renderer));
    }

    /** The bundle for {@code value}. */
    public MimeBundle render(Object value) {
        Registration<?> chosen = rendererFor(value);
        return chosen != null ? chosen.render(value, this) : MimeBundle.text(CellExecutionControl.text(value));
    }

    /** The first registered of the renderers for the most specific types {@code value} has, or null. */
    private Registration<?> rendererFor(Object value) {
        if (value == null) {
            return null;
        }
        List<Registration<?>> matching = new ArrayList<>();
        for (Registration<?> r : registrations) {
            if (r.type().isInstance(value)) {
                matching.add(r);
            }
        }
        for (Registration<?> candidate : matching) {
            boolean moreSpecificExists = matching.stream().anyMatch(other -> other.type() != candidate.type()
                    && candidate.type().isAssignableFrom(other.type()));
            if (!moreSpecificExists) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Whether {@code resource} (a script library, say) is asked for the first time in this session, marking it
     * sent: a renderer includes a library in its output only the first time, as the page keeps it afterwards.
     */
    public boolean firstOnPage(String resource) {
        return onPage.add(resource);
    }
}
