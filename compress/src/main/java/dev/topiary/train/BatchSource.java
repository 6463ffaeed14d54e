package dev.topiary.train;

/**
 * Batches by index. Batch {@code i} is always the same batch, so a run resumed at step k sees exactly the batches
 * the uninterrupted run would have.
 */
@FunctionalInterface
public interface BatchSource {
    TokenBatch batch(long index);
}
