package dev.topiary.kernel.magic;

import dev.topiary.kernel.CellOutput;
import dev.topiary.kernel.CellResult;
import dev.topiary.kernel.FigureStyle;
import dev.topiary.kernel.JShellSession;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code %figures static} or {@code %figures interactive}: how the charts shown from then on look (see
 * {@link FigureStyle}); {@code %figures} alone names the style in use.
 */
public final class FiguresMagic implements Magic {

    private final Supplier<FigureStyle> current;
    private final Consumer<FigureStyle> change;

    /** A magic that reads the style from {@code current} and sets it through {@code change}. */
    public FiguresMagic(Supplier<FigureStyle> current, Consumer<FigureStyle> change) {
        this.current = current;
        this.change = change;
    }

    @Override
    public String name() {
        return "figures";
    }

    @Override
    public String help() {
        return "%figures static|interactive: show charts as images only (small notebooks for sharing) or as"
                + " interactive Plotly figures with the image inside (the default)";
    }

    @Override
    public CellResult run(String arguments, String body, JShellSession session, CellOutput output) {
        String asked = arguments.strip().toLowerCase(Locale.ROOT);
        if (!asked.isEmpty()) {
            Optional<FigureStyle> style = Arrays.stream(FigureStyle.values())
                    .filter(s -> lowerCase(s).equals(asked)).findFirst();
            if (style.isEmpty()) {
                return CellResult.failed("MagicError", "%figures takes 'static' or 'interactive', not '"
                        + arguments.strip() + "'");
            }
            change.accept(style.get());
        }
        output.stream("stdout", "figures: " + lowerCase(current.get()) + "\n");
        return CellResult.ok(null);
    }

    /** The style's name as the magic spells it. */
    private static String lowerCase(FigureStyle style) {
        return style.name().toLowerCase(Locale.ROOT);
    }
}
