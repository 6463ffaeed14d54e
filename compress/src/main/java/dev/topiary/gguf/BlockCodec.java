package dev.topiary.gguf;

/** Packs one block of one ggml type and unpacks it; the caller has checked that both arrays hold a whole block. */
interface BlockCodec {

    /** Encodes the block of elements starting at {@code src[from]} into the bytes starting at {@code dst[at]}. */
    void encodeBlock(float[] src, int from, byte[] dst, int at);

    /** Decodes the block whose bytes start at {@code src[at]} into the elements starting at {@code dst[from]}. */
    void decodeBlock(byte[] src, int at, float[] dst, int from);
}
