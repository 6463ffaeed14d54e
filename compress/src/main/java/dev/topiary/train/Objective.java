package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import dev.topiary.llama.Llama;

/** What a training run minimises: a scalar loss of the model on one batch, recorded for the backward pass. */
@FunctionalInterface
public interface Objective {

    /** Next-token prediction: pre-training and fine-tuning. */
    Objective LANGUAGE_MODELING = (model, inputs, targets) -> LanguageModelLoss.mean(model.forward(inputs), targets);

    /**
     * @param inputs {@code [B, T]} token ids
     * @param targets {@code [B, T]} next-token ids
     */
    NDArray loss(Llama model, NDArray inputs, NDArray targets);
}
