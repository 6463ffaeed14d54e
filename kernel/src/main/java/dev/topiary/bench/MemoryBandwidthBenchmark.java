package dev.topiary.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.stream.IntStream;

/**
 * The rate at which this machine streams memory into its cores, measured two ways over one buffer far larger than the
 * caches: every available core summing its share as 64-bit integers in a Java loop ({@link #measure}), and libtorch's
 * vectorised, multi-threaded sum of the buffer as fp32 ({@link #measureVectorised}), which draws closer to what
 * llama.cpp's SIMD kernels draw. Decoding one token reads every weight once, so the faster rate over a model's weight
 * bytes bounds its tokens per second.
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

    /**
     * The timing of libtorch summing an fp32 array of {@code bytes} bytes (a multiple of 4) on the CPU, with its
     * vectorised kernels and every intra-op thread.
     */
    static Timing measureVectorised(long bytes, int warmup, int repeats) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray values = manager.ones(new Shape(bytes / Float.BYTES), DataType.FLOAT32);
            float[] sink = new float[1];
            return Timing.of(warmup, repeats, () -> {
                try (NDArray sum = values.sum()) {
                    sink[0] += sum.getFloat();
                }
            });
        }
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
