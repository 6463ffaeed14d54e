package dev.topiary.quant;

/**
 * Two 4-bit codes per byte, low nibble first: codes {@code c[2i]} and {@code c[2i+1]} share byte {@code i} as
 * {@code c[2i] | c[2i+1] << 4}, the order GPTQ-style packers use within a byte.
 */
public final class Nibbles {

    private Nibbles() {}

    /**
     * Packs codes in [0, 15] two to a byte.
     *
     * @throws IllegalArgumentException when the count is odd or a code is outside [0, 15]
     */
    public static byte[] pack(int[] codes) {
        if (codes.length % 2 != 0) {
            throw new IllegalArgumentException("4-bit packing needs an even number of codes, got " + codes.length);
        }
        byte[] packed = new byte[codes.length / 2];
        for (int i = 0; i < packed.length; i++) {
            int low = codes[2 * i];
            int high = codes[2 * i + 1];
            if ((low | high) >>> 4 != 0) {
                throw new IllegalArgumentException("4-bit code out of range [0, 15]: " + ((low >>> 4 != 0) ? low : high)
                        + " at index " + ((low >>> 4 != 0) ? 2 * i : 2 * i + 1));
            }
            packed[i] = (byte) (low | high << 4);
        }
        return packed;
    }

    /** The code at index {@code i} of the packed sequence. */
    public static int get(byte[] packed, long i) {
        int b = packed[(int) (i >>> 1)] & 0xFF;
        return (i & 1) == 0 ? b & 0xF : b >>> 4;
    }

    /** All codes of a packed sequence, in order. */
    public static int[] unpack(byte[] packed) {
        int[] codes = new int[packed.length * 2];
        for (int i = 0; i < packed.length; i++) {
            codes[2 * i] = packed[i] & 0xF;
            codes[2 * i + 1] = (packed[i] & 0xFF) >>> 4;
        }
        return codes;
    }

    /** All codes of a packed sequence, in order, one byte each (as GGUF's block packers take them). */
    public static byte[] unpackToBytes(byte[] packed) {
        byte[] codes = new byte[packed.length * 2];
        for (int i = 0; i < packed.length; i++) {
            codes[2 * i] = (byte) (packed[i] & 0xF);
            codes[2 * i + 1] = (byte) ((packed[i] & 0xFF) >>> 4);
        }
        return codes;
    }
}
