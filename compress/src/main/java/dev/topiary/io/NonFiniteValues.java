package dev.topiary.io;

import dev.topiary.TopiaryException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Refuses floating-point tensors that hold NaN or infinity as they are read: weights like that load without a
 * complaint and then turn every logit and loss into NaN. The check looks at the raw bits (an all-ones exponent) of
 * F32, F16 and BF16 values, before any conversion, so a value that overflows only when narrowed is not reported.
 *
 * <p>For debugging a broken checkpoint the check can be switched off with the system property
 * {@value #PROPERTY}{@code =true} or the environment variable {@value #ENV}{@code =1}.
 */
public final class NonFiniteValues {

    /** The system property that, set to {@code true}, lets non-finite values load. */
    public static final String PROPERTY = "topiary.allowNonFinite";
    /** The environment variable that, set to {@code 1} (or {@code true}), lets non-finite values load. */
    public static final String ENV = "TOPIARY_ALLOW_NONFINITE";

    private NonFiniteValues() {}

    /** Whether the switch that lets non-finite values load is on; read at each call, so tests can flip it. */
    public static boolean allowed() {
        if (Boolean.parseBoolean(System.getProperty(PROPERTY))) {
            return true;
        }
        String env = System.getenv(ENV);
        return env != null && (env.equals("1") || env.equalsIgnoreCase("true"));
    }

    /**
     * Throws unless the switch is on or all {@code count} little-endian values of {@code dtype} from {@code src}'s
     * position are finite. Integer dtypes pass unchecked; {@code src}'s position and byte order are left as they are.
     *
     * @param firstIndex the flat index, within the tensor, of the first value in {@code src} (for the message)
     * @throws TopiaryException naming the file, the tensor, the flat index and the value of the first non-finite one
     */
    static void requireFinite(ByteBuffer src, TensorDType dtype, int count, long firstIndex, Path file,
            String tensor) {
        if (!dtype.isFloating() || allowed()) {
            return;
        }
        int at = firstNonFinite(src, dtype, count);
        if (at >= 0) {
            ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            float value = switch (dtype) {
                case F32 -> in.getFloat(in.position() + 4 * at);
                case F16 -> FloatFormats.f16ToFloat(in.getShort(in.position() + 2 * at));
                case BF16 -> FloatFormats.bf16ToFloat(in.getShort(in.position() + 2 * at));
                default -> throw new AssertionError(dtype);
            };
            String shown = Float.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
            throw new TopiaryException(String.format(Locale.ROOT, "%s: tensor '%s' holds %s at flat index %d;"
                    + " tensor values must be finite (set -D%s=true or %s=1 to load them anyway, for debugging)",
                    file, tensor, shown, firstIndex + at, PROPERTY, ENV));
        }
    }

    // The index of the first value with an all-ones exponent (NaN or infinity), or -1.
    private static int firstNonFinite(ByteBuffer src, TensorDType dtype, int count) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == TensorDType.F32) {
            IntBuffer bits = in.asIntBuffer();
            for (int i = 0; i < count; i++) {
                if ((bits.get(i) & 0x7f800000) == 0x7f800000) {
                    return i;
                }
            }
            return -1;
        }
        int exponent = dtype == TensorDType.F16 ? 0x7c00 : 0x7f80;
        ShortBuffer bits = in.asShortBuffer();
        for (int i = 0; i < count; i++) {
            if ((bits.get(i) & exponent) == exponent) {
                return i;
            }
        }
        return -1;
    }
}
