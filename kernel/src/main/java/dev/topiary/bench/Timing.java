package dev.topiary.bench;

import java.util.Arrays;

/**
 * Wall-clock timing with warm-up: the first runs (JIT compilation, libtorch's lazy initialisation, page faults)
 * are discarded, then each repeat is timed on its own.
 *
 * @param seconds the timed repeats, sorted
 */
public record Timing(double[] seconds) {

    /** Runs {@code work} {@code warmup} times untimed, then {@code repeats} times timed. */
    public static Timing of(int warmup, int repeats, Runnable work) {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        double[] s = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            work.run();
            s[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(s);
        return new Timing(s);
    }

    public double median() {
        int n = seconds.length;
        return n % 2 == 1 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
    }

    public double min() {
        return seconds[0];
    }

    public double max() {
        return seconds[seconds.length - 1];
    }

    /** The median time in seconds, with the range over the repeats. */
    public String time() {
        return String.format("%.2f s (%.2f-%.2f over %d runs)", median(), min(), max(), seconds.length);
    }

    /** {@code units} per second at the median time, with the range over the repeats. */
    public String rate(double units, String unit) {
        return String.format("%.1f %s (%.1f-%.1f over %d runs)", units / median(), unit, units / max(), units / min(),
                seconds.length);
    }
}
