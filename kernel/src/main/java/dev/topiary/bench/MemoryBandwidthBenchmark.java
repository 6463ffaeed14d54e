package dev.topiary.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.stream.IntStream;

/**
 * The rate at which this machine streams memory into its cores: every available core sums its share of one
 * off-heap buffer, far larger than the caches, as 64-bit integers. Decoding one token reads every weight once, so
 * this rate over a model's weight bytes bounds its tokens per second.
 */
final class MemoryBandwidthBenchmark {

    /** The buffer {@code topiary bench} streams: 1 GiB, beyond any CPU's last-level cache. */
    static final long DEFAULT_BYTES = 1L << 30;

    private MemoryBandwidthBenchmark() {}

    /** The timing of one parallel pass over {@code bytes} bytes (a multiple of 8, at most 2 GiB - 8). */
    static Timing measure(long bytes, int warmup, int repeats) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        LongBuffer longs = buffer.asLongBuffer();
        for (int i = 0; i < longs.limit(); i++) {
            longs.put(i, i); // touch every page before timing
        }
        int threads = Runtime.getRuntime().availableProcessors();
        long[] sink = new long[1];
        return Timing.of(warmup, repeats, () -> sink[0] += IntStream.range(0, threads).parallel()
                .mapToLong(t -> sum(longs, (long) longs.limit() * t / threads, (long) longs.limit() * (t + 1) / threads))
                .sum());
    }

    /** Gigabytes (1e9 bytes) per second of a pass over {@code bytes} at {@code timing}'s median. */
    static double gigabytesPerSecond(long bytes, Timing timing) {
        return bytes / timing.median() / 1e9;
    }

    /** Four independent sums, so that the additions keep up with the loads. */
    private static long sum(LongBuffer longs, long from, long to) {
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        int i = (int) from;
        for (; i + 3 < to; i += 4) {
            a += longs.get(i);
            b += longs.get(i + 1);
            c += longs.get(i + 2);
            d += longs.get(i + 3);
        }
        for (; i < to; i++) {
            a += longs.get(i);
        }
        return a + b + c + d;
    }
}
