package dev.topiary.gguf;

import java.util.SplittableRandom;

/** Reproducible test rows: Gaussian values with a different spread in each 32-element stretch. */
final class RandomRows {

    private RandomRows() {}

    static float[] gaussian(long seed, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] row = new float[length];
        double spread = 1.0;
        for (int i = 0; i < length; i++) {
            if (i % 32 == 0) {
                spread = 0.01 + 2 * random.nextDouble();
            }
            row[i] = (float) (spread * gaussian(random));
        }
        return row;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
