package dev.topiary.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Overwrites one value of one floating tensor in a safetensors file in place, to make broken checkpoints. */
public final class TensorValuePatch {

    private TensorValuePatch() {}

    /** Stores {@code value}, in the tensor's own dtype, at flat index {@code index} of {@code tensor}. */
    public static void overwrite(Path file, String tensor, long index, float value) throws IOException {
        TensorInfo info;
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            info = reader.info(tensor);
        }
        ByteBuffer bytes = ByteBuffer.allocate(info.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (info.dtype()) {
            case F32 -> bytes.putFloat(value);
            case F16 -> bytes.putShort(FloatFormats.floatToF16(value));
            case BF16 -> bytes.putShort(FloatFormats.floatToBf16(value));
            default -> throw new IllegalArgumentException(tensor + " is not a floating tensor");
        }
        bytes.flip();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, 0);
            long dataStart = 8 + length.getLong(0);
            channel.write(bytes, dataStart + info.begin() + index * info.dtype().byteSize());
        }
    }
}
