package dev.topiary.data;

/**
 * The element types a Megatron indexed dataset's {@code .idx} can name for its {@code .bin}, with their on-disk
 * codes. Only the integer types hold token ids; the floating codes exist in the format and are refused by Topiary.
 */
public enum IndexedDatasetDType {
    UINT8(1, 1, 0, 255),
    INT8(2, 1, Byte.MIN_VALUE, Byte.MAX_VALUE),
    INT16(3, 2, Short.MIN_VALUE, Short.MAX_VALUE),
    INT32(4, 4, Integer.MIN_VALUE, Integer.MAX_VALUE),
    INT64(5, 8, Long.MIN_VALUE, Long.MAX_VALUE),
    FLOAT64(6, 8, 0, -1),
    FLOAT32(7, 4, 0, -1),
    UINT16(8, 2, 0, 65535);

    /**
     * Vocabularies below this size are stored as uint16, larger ones as int32: Megatron-LM's
     * {@code DType.optimal_dtype} draws the line here rather than at 65536, and matching it keeps the files Topiary
     * writes identical to the ones NeMo writes for the same tokens.
     */
    public static final int UINT16_VOCABULARY_LIMIT = 65500;

    private final int code;
    private final int bytes;
    private final long min;
    private final long max;

    IndexedDatasetDType(int code, int bytes, long min, long max) {
        this.code = code;
        this.bytes = bytes;
        this.min = min;
        this.max = max;
    }

    /** The type's code in the {@code .idx} header. */
    public int code() {
        return code;
    }

    /** Bytes one element takes in the {@code .bin}. */
    public int bytes() {
        return bytes;
    }

    /** Whether the type holds integers, and so can hold token ids. */
    public boolean isInteger() {
        return min <= max;
    }

    /** Whether {@code value} is representable in this type; always false for the floating types. */
    public boolean holds(long value) {
        return value >= min && value <= max;
    }

    /** The type with this header code, or null when no type has it. */
    public static IndexedDatasetDType forCode(int code) {
        for (IndexedDatasetDType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** The type Megatron-LM and NeMo store a vocabulary of {@code vocabSize} tokens in: uint16 or int32. */
    public static IndexedDatasetDType forVocabulary(int vocabSize) {
        return vocabSize < UINT16_VOCABULARY_LIMIT ? UINT16 : INT32;
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
