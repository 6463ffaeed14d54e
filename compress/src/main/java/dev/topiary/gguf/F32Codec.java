package dev.topiary.gguf;

/** ggml's f32: each element as its four little-endian IEEE-754 bytes, bit for bit (NaN payloads included). */
final class F32Codec implements BlockCodec {

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        LittleEndian.putInt(dst, at, Float.floatToRawIntBits(src[from]));
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        dst[from] = Float.intBitsToFloat(LittleEndian.getInt(src, at));
    }
}
