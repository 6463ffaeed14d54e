package dev.topiary.kernel;

/**
 * How a notebook shows values of one type: registered with {@link Renderer#register} by a {@link KernelLibrary}.
 *
 * @param <T> the type of value it shows
 */
@FunctionalInterface
public interface ValueRenderer<T> {

    /**
     * The bundle for {@code value}.
     *
     * @param renderer the session's renderer: for what the page holds already ({@link Renderer#firstOnPage}) and
     *     for rendering values nested in this one
     */
    MimeBundle render(T value, Renderer renderer);
}
