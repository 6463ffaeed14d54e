package dev.topiary.kernel;

import dev.topiary.HtmlRenderable;

/**
 * Turns a cell's value into what the notebook shows: Topiary's models, plans and reports as HTML tables, and
 * anything else as JShell would print it.
 */
public class Renderer {

    /** The bundle for {@code value}. */
    public MimeBundle render(Object value) {
        String text = CellExecutionControl.text(value);
        if (value instanceof HtmlRenderable html) {
            return MimeBundle.html(html.toHtml(), text);
        }
        return MimeBundle.text(text);
    }
}
