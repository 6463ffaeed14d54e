package dev.topiary.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.engine.Engines;

/** The fp32 matrix-multiply rate DJL reaches on this machine: the ceiling every forward pass is measured against. */
final class MatmulBenchmark {

    private MatmulBenchmark() {}

    /** The timing of a {@code [m, k] x [k, n]} fp32 product. */
    static Timing measure(int m, int k, int n, int warmup, int repeats) {
        try (NDManager manager = Engines.engine().newBaseManager()) {
            NDArray a = manager.randomNormal(new Shape(m, k));
            NDArray b = manager.randomNormal(new Shape(k, n));
            return Timing.of(warmup, repeats, () -> a.matMul(b).close());
        }
    }

    static double gigaflops(int m, int k, int n) {
        return 2.0 * m * k * n / 1e9;
    }
}
