package dev.topiary;

/**
 * A value with an HTML rendering for notebooks: the kernel shows {@link #toHtml()} beside the plain
 * {@link Object#toString()} form. Renderings use the notebook's own colours, so they read in light and dark themes.
 */
public interface HtmlRenderable {

    /** A self-contained HTML fragment (no scripts, no external resources). */
    String toHtml();
}
