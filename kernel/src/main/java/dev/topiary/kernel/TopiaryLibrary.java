package dev.topiary.kernel;

import dev.topiary.HtmlRenderable;
import dev.topiary.kernel.magic.FiguresMagic;
import dev.topiary.kernel.magic.JShellCommandMagic;
import dev.topiary.kernel.magic.JarsMagic;
import dev.topiary.kernel.magic.LsMagic;
import dev.topiary.kernel.magic.Magic;
import dev.topiary.kernel.magic.MavenMagic;
import dev.topiary.kernel.magic.TimeMagic;
import java.awt.image.BufferedImage;
import java.util.List;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Topiary's notebook support: the DSL, its precisions and the notebook helpers imported; Topiary's models, plans
 * and reports and tablesaw tables shown as HTML tables, charts as Plotly figures drawn offline with a static image
 * inside, other Plotly figures as they are, and images as PNG; and the
 * kernel's magics ({@code %time}, {@code %jars}, {@code %maven}, {@code %jshell}, {@code %lsmagic}, and
 * {@code %figures} for the charts' style).
 */
public final class TopiaryLibrary implements KernelLibrary {

    private final ChartRenderer charts = new ChartRenderer();

    @Override
    public List<String> imports() {
        return List.of(
                "import dev.topiary.*;",
                "import static dev.topiary.Precision.*;",
                "import dev.topiary.embedded.TeacherRecipe;",
                "import dev.topiary.io.Overwrite;",
                "import dev.topiary.quant.QuantScheme;",
                "import dev.topiary.quant.ActivationScheme;",
                "import dev.topiary.gguf.GgmlType;",
                "import dev.topiary.prune.ImportanceScores;",
                "import dev.topiary.prune.PruningPlan;",
                "import dev.topiary.prune.WidthCut;",
                "import dev.topiary.llama.GenerationOptions;",
                "import static dev.topiary.kernel.Notebook.*;",
                "import static dev.topiary.kernel.LossCurve.withLossCurve;",
                "import dev.topiary.kernel.Plot;",
                "import dev.topiary.kernel.Chart;",
                "import tech.tablesaw.api.*;");
    }

    @Override
    public void registerRenderers(Renderer renderer) {
        renderer.register(HtmlRenderable.class, (value, r) -> MimeBundle.html(value.toHtml(),
                CellExecutionControl.text(value)));
        renderer.register(Table.class, new TableRenderer());
        renderer.register(Figure.class, new FigureRenderer());
        renderer.register(Chart.class, charts);
        renderer.register(BufferedImage.class, new PngRenderer());
    }

    @Override
    public List<Magic> magics() {
        return List.of(new TimeMagic(), new JarsMagic(), new MavenMagic(), new JShellCommandMagic(), new LsMagic(),
                new FiguresMagic(charts::style, charts::style));
    }
}
