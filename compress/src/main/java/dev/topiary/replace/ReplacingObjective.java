package dev.topiary.replace;

import ai.djl.ndarray.NDArray;
import dev.topiary.llama.HybridLlama;
import dev.topiary.engine.Scalars;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.Objective;
import java.util.Random;

/**
 * Module replacing's loss: a {@link ReplacingLoss} (by default the next-token loss, the task loss BERT-of-Theseus
 * trains on) of the {@link HybridLlama} of a frozen predecessor and the successor being trained, each module drawn to
 * run as the successor's with the schedule's rate at the current step. The draws come from a {@link Random} of the
 * given seed, one per module per batch in module order, so a run with the same seed draws the same modules. Counts
 * its calls as steps: the trainer asks for one loss per optimizer step (no accumulation).
 */
public final class ReplacingObjective implements Objective {

    private final Llama predecessor;
    private final ReplacementSchedule schedule;
    private final ReplacingLoss loss;
    private final Random draws;
    private long step;

    public ReplacingObjective(Llama predecessor, ReplacementSchedule schedule, ReplacingLoss loss, long seed) {
        this.predecessor = predecessor;
        this.schedule = schedule;
        this.loss = loss;
        this.draws = new Random(seed);
    }

    @Override
    public NDArray loss(Llama successor, NDArray inputs, NDArray targets) {
        HybridLlama hybrid = HybridLlama.of(predecessor, successor);
        double rate = schedule.rate(step++);
        boolean[] replaced = new boolean[hybrid.modules()];
        boolean any = false;
        for (int m = 0; m < replaced.length; m++) {
            replaced[m] = draws.nextDouble() < rate;
            any |= replaced[m];
        }
        NDArray value = loss.of(hybrid.forward(inputs, replaced), predecessor, inputs, targets);
        return any ? value : withZeroGradientPath(value, successor);
    }

    /**
     * {@code loss}, of a pass through the frozen predecessor alone, tied with weight zero to a successor parameter:
     * the same value, and a graph the trainer can backpropagate through as on every other step (the successor's
     * gradients are then zero).
     */
    private static NDArray withZeroGradientPath(NDArray loss, Llama successor) {
        NDArray sum = successor.parameters().get(LlamaLayout.inputNorm(0)).sum();
        return loss.add(sum.mul(Scalars.of(sum, 0f)));
    }
}
