package dev.topiary.replace;

import ai.djl.ndarray.NDArray;
import dev.topiary.distill.DistillationObjective;
import dev.topiary.llama.Llama;
import dev.topiary.train.LanguageModelLoss;
import dev.topiary.train.Objective;

/** What module replacing minimises, in its replacing phase and in the fine-tuning of the successor alone. */
public enum ReplacingLoss {

    /** BERT-of-Theseus's choice, the task loss: here the next-token cross-entropy on the data. */
    NEXT_TOKEN {
        @Override
        NDArray of(NDArray logits, Llama predecessor, NDArray inputs, NDArray targets) {
            return LanguageModelLoss.mean(logits, targets);
        }

        @Override
        public Objective fineTuning(Llama predecessor) {
            return Objective.LANGUAGE_MODELING;
        }
    },

    /** Forward KL(predecessor || model) at temperature 1, Minitron's distillation loss, the predecessor as teacher. */
    PREDECESSOR_KL {
        @Override
        NDArray of(NDArray logits, Llama predecessor, NDArray inputs, NDArray targets) {
            return DistillationObjective.klDivergence(predecessor.forward(inputs).stopGradient(), logits, 1);
        }

        @Override
        public Objective fineTuning(Llama predecessor) {
            return DistillationObjective.minitron(predecessor);
        }
    };

    /** The loss of {@code logits} {@code [B, T, V]}, a pass on {@code inputs} whose next tokens are {@code targets}. */
    abstract NDArray of(NDArray logits, Llama predecessor, NDArray inputs, NDArray targets);

    /** The objective of the fine-tuning phase, the successor alone. */
    public abstract Objective fineTuning(Llama predecessor);
}
