package dev.topiary;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@link Model#saveExpanded} wrote: an ordinary Hugging Face checkpoint in which every layer has weights of its
 * own, each block the model's layers shared copied into every layer that uses it.
 *
 * @param directory where the checkpoint is
 * @param layers the layers written
 * @param sharedBlocks the distinct blocks the model's layers shared, 0 when they shared nothing
 * @param parameters the parameters the checkpoint holds, shared blocks counted once per layer
 * @param uniqueParameters the model's parameters, each shared block counted once
 */
public record ExpandedCheckpoint(Path directory, int layers, int sharedBlocks, long parameters,
        long uniqueParameters) {

    /** Whether shared blocks were copied into layers of their own. */
    public boolean expanded() {
        return sharedBlocks > 0;
    }

    @Override
    public String toString() {
        return expanded()
                ? String.format(Locale.ROOT, "wrote %s: the %d layers' %d shared blocks expanded into %d layers of"
                        + " their own, %,d parameters (the model has %,d unique)", directory, layers, sharedBlocks,
                        layers, parameters, uniqueParameters)
                : String.format(Locale.ROOT, "wrote %s: %d layers, %,d parameters (nothing was shared)", directory,
                        layers, parameters);
    }
}
