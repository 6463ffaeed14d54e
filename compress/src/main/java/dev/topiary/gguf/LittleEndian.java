package dev.topiary.gguf;

/** Reads and writes little-endian 16- and 32-bit fields inside a byte array, as ggml blocks store them. */
final class LittleEndian {

    private LittleEndian() {}

    /** The unsigned 16-bit value at {@code bytes[at]}. */
    static short getShort(byte[] bytes, int at) {
        return (short) ((bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8);
    }

    /** Writes the 16 bits of {@code value} at {@code bytes[at]}. */
    static void putShort(byte[] bytes, int at, short value) {
        bytes[at] = (byte) value;
        bytes[at + 1] = (byte) (value >>> 8);
    }

    /** The 32-bit value at {@code bytes[at]}. */
    static int getInt(byte[] bytes, int at) {
        return (bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8 | (bytes[at + 2] & 0xff) << 16 | bytes[at + 3] << 24;
    }

    /** Writes the 32 bits of {@code value} at {@code bytes[at]}. */
    static void putInt(byte[] bytes, int at, int value) {
        bytes[at] = (byte) value;
        bytes[at + 1] = (byte) (value >>> 8);
        bytes[at + 2] = (byte) (value >>> 16);
        bytes[at + 3] = (byte) (value >>> 24);
    }
}
