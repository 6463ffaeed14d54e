package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Run in a child JVM by {@link Bf16SupportTest}: converts an fp32 matrix to bfloat16, multiplies it in bf16 and
 * converts the product back, printing each step before it runs. With DJL 0.35.1 and 0.36.0 the first conversion
 * aborts the process (docs/engine-notes.md).
 */
public final class Bf16Probe {

    private Bf16Probe() {}

    public static void main(String[] args) {
        try (NDManager manager = Engines.engine().newBaseManager()) {
            NDArray a = JavaArrays.floats(manager, new float[] {1.5f, -2f, 0.25f, 3f}, new Shape(2, 2));
            step("fp32 to bf16");
            NDArray b = a.toType(DataType.BFLOAT16, false);
            step("bf16 matmul");
            NDArray product = b.matMul(b);
            step("bf16 to fp32");
            float[] back = product.toType(DataType.FLOAT32, false).toFloatArray();
            // [[1.5, -2], [0.25, 3]]^2 = [[1.75, -9], [1.125, 8.5]]: every value exact in bf16.
            System.out.println("bf16 works: " + java.util.Arrays.toString(back));
        }
    }

    private static void step(String what) {
        System.out.println("step: " + what);
        System.out.flush();
    }
}
