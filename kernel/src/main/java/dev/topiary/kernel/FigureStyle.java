package dev.topiary.kernel;

/**
 * How a session shows its {@link Chart}s: {@link #INTERACTIVE} (the default) as a Plotly figure with the static
 * image inside, which makes the session's first figure carry the Plotly library (about 3 MB in the saved notebook);
 * {@link #STATIC} as the image alone, so a notebook meant for sharing stays small. Set with {@code %figures}.
 */
public enum FigureStyle {
    INTERACTIVE,
    STATIC
}
