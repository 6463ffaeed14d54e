package dev.topiary.io;

import dev.topiary.TopiaryException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types Topiary reads and writes in safetensors files.
 *
 * <p>The floating types convert to and from fp32 in Java (bf16 never reaches DJL: a bf16 NDArray aborts the JVM).
 * The integer types are stored and read back bit for bit; they hold packed quantized weights and similar raw data.
 */
public enum TensorDType {
    /** IEEE binary32. */
    F32("F32", 4, true),
    /** IEEE binary16. */
    F16("F16", 2, true),
    /** bfloat16: the top half of an fp32. */
    BF16("BF16", 2, true),
    /** Signed 8-bit integer. */
    I8("I8", 1, false),
    /** Unsigned 8-bit integer. */
    U8("U8", 1, false),
    /** Signed 32-bit integer. */
    I32("I32", 4, false),
    /** Signed 64-bit integer. */
    I64("I64", 8, false);

    private final String safetensorsName;
    private final int byteSize;
    private final boolean floating;

    TensorDType(String safetensorsName, int byteSize, boolean floating) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** The name in a safetensors header's {@code dtype} field, e.g. {@code "BF16"}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether values are floating point (and so convertible to fp32), as opposed to raw integer storage. */
    public boolean isFloating() {
        return floating;
    }

    /**
     * The type a safetensors {@code dtype} name stands for.
     *
     * @throws TopiaryException listing the supported names when {@code name} is not one of them
     */
    public static TensorDType fromName(String name) {
        for (TensorDType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new TopiaryException("unsupported safetensors dtype '" + name + "'; supported: " + supportedNames());
    }

    /** The supported safetensors names, comma separated, for error messages. */
    static String supportedNames() {
        return Arrays.stream(values()).map(TensorDType::safetensorsName).collect(Collectors.joining(", "));
    }
}
