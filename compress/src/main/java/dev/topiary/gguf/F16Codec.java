package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/** ggml's f16: each element rounded to the nearest IEEE-754 half (ties to even), two little-endian bytes. */
final class F16Codec implements BlockCodec {

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        LittleEndian.putShort(dst, at, FloatFormats.floatToF16(src[from]));
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        dst[from] = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at));
    }
}
