package dev.topiary.data;

/**
 * The byte-to-character table of byte-level BPE (GPT-2, Llama 3): every byte gets a printable character, so a
 * vocabulary of strings covers all byte sequences. Printable Latin-1 bytes stand for themselves; the others map
 * to U+0100 onwards in byte order (the space, 0x20, becomes 'Ġ').
 */
public final class ByteLevelAlphabet {

    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) next++;
        }
    }

    private ByteLevelAlphabet() {}

    /** The character that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The characters standing for each byte of {@code bytes}. */
    public static String encode(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            s.append(charOf(b));
        }
        return s.toString();
    }
}
