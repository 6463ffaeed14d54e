package dev.topiary.cli;

import dev.topiary.Model;
import dev.topiary.Monitor;
import dev.topiary.ShareLayers;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Cross-layer parameter sharing: the model's layers made to use fewer distinct blocks of weights. */
@Command(name = "share", mixinStandardHelpOptions = true,
        description = "Make the model's layers share --blocks distinct blocks of weights in the given pattern, each"
                + " block a copy of the first layer that uses it, and write the shared checkpoint (layer_blocks in"
                + " config.json, one copy of each block), with its recipe.json, to --output; distil it from the"
                + " original next.")
final class ShareCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--blocks", required = true, paramLabel = "K",
            description = "distinct blocks, from 1 to the number of layers")
    int blocks;

    @Option(names = "--pattern", defaultValue = "cycle", paramLabel = "NAME",
            description = "cycle (layer i uses block i mod K) or adjacent (consecutive groups of layers / K layers"
                    + " share a block); default: ${DEFAULT-VALUE}")
    String pattern;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ShareLayers step = ShareLayers.of(pattern, blocks); // a bad pattern or count is refused before any loading
        output.checked("model");
        PrintWriter out = spec.commandLine().getOut();
        Monitor.run(CommandMonitor.on(spec.commandLine().getErr()), () -> {
            try (Model source = model.openFloating(); Model shared = step.apply(source)) {
                shared.save(output.output, output.overwrite());
                out.println(String.format(Locale.ROOT, "shared %d layers among %d blocks (%s): %,d -> %,d unique"
                                + " parameters, layer_blocks %s", shared.config().numHiddenLayers(), blocks, pattern,
                        source.parameterCount(), shared.parameterCount(), shared.config().layerBlocks()));
            }
            return null;
        });
        out.flush();
        return 0;
    }
}
