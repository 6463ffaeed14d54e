package dev.topiary.gguf;

/**
 * The nibble order of ggml's 32-element 4-bit blocks (q4_0, q4_1): 16 bytes where byte {@code j} holds element
 * {@code j} in its low nibble and element {@code j + 16} in its high nibble.
 */
final class SplitNibbles {

    /** Elements per block. */
    static final int ELEMENTS = 32;

    /** Bytes the 32 nibbles occupy. */
    static final int BYTES = ELEMENTS / 2;

    private SplitNibbles() {}

    /** Writes the 32 codes (each 0..15) starting at {@code codes[from]} as 16 bytes starting at {@code dst[at]}. */
    static void pack(int[] codes, int from, byte[] dst, int at) {
        for (int j = 0; j < BYTES; j++) {
            dst[at + j] = (byte) (codes[from + j] | codes[from + j + BYTES] << 4);
        }
    }

    /** Element {@code element} (0..31) of the 16 nibble bytes starting at {@code src[at]}, as 0..15. */
    static int code(byte[] src, int at, int element) {
        int packed = src[at + element % BYTES] & 0xff;
        return element < BYTES ? packed & 0x0f : packed >>> 4;
    }
}
