package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.JavaArrays;
import java.util.ArrayList;
import java.util.List;

/**
 * The upper Cholesky factor {@code U} of a symmetric positive definite matrix ({@code A = U^T U}), computed by
 * row blocks: each diagonal block is factored in Java, and the bulk of the work, the update of the trailing matrix,
 * runs as NDArray matrix products (a 4096 x 4096 matrix takes seconds, not minutes of Java loops).
 *
 * <p>The factor is returned as it is built and as GPTQ consumes it: one {@link RowBlock} per block of rows.
 */
final class CholeskyUpper {

    /**
     * Rows {@code [start, start + size)} of {@code U}: the diagonal block in Java ({@code size x size}, row-major,
     * zero below the diagonal) and the part right of it as an fp32 array {@code [size, n - start - size]} (null
     * for the last block).
     */
    record RowBlock(int start, int size, double[] diagonal, NDArray right) {}

    private CholeskyUpper() {}

    /**
     * Factors {@code a} (float64 {@code [n, n]}; not modified), with arrays attached to {@code manager}.
     *
     * @throws TopiaryException when the matrix is not positive definite
     */
    static List<RowBlock> factor(NDArray a, int blockSize, NDManager manager) {
        int n = (int) a.getShape().get(0);
        List<RowBlock> blocks = new ArrayList<>();
        NDArray trailing = a;
        for (int start = 0; start < n; start += blockSize) {
            int size = Math.min(blockSize, n - start);
            NDArray diagonalPart = trailing.get(new NDIndex(":{}, :{}", size, size));
            double[] u = factorDense(diagonalPart.toDoubleArray(), size, start);
            diagonalPart.close();
            NDArray right = null;
            if (start + size < n) {
                NDArray above = trailing.get(new NDIndex(":{}, {}:", size, size));
                NDArray inverseT = JavaArrays.doubles(manager, transposedInverse(u, size), new Shape(size, size));
                NDArray rightRows = inverseT.matMul(above);
                NDArray corner = trailing.get(new NDIndex("{}:, {}:", size, size));
                NDArray product = rightRows.transpose().matMul(rightRows);
                NDArray next = corner.sub(product);
                next.attach(manager);
                right = rightRows.toType(DataType.FLOAT32, true);
                right.attach(manager);
                for (NDArray t : new NDArray[] {above, inverseT, rightRows, corner, product}) {
                    t.close();
                }
                if (trailing != a) {
                    trailing.close();
                }
                trailing = next;
            }
            blocks.add(new RowBlock(start, size, u, right));
        }
        if (trailing != a) {
            trailing.close();
        }
        return blocks;
    }

    // Dense upper Cholesky of a small block: U[i][i] = sqrt(A[i][i] - sum_k U[k][i]^2), then row i right of it.
    private static double[] factorDense(double[] a, int n, int offset) {
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            double d = a[i * n + i];
            for (int k = 0; k < i; k++) {
                d -= u[k * n + i] * u[k * n + i];
            }
            if (!(d > 0)) {
                throw new TopiaryException("the matrix is not positive definite (pivot " + d + " at row "
                        + (offset + i) + "); give more calibration samples or a larger dampening");
            }
            double pivot = Math.sqrt(d);
            u[i * n + i] = pivot;
            for (int j = i + 1; j < n; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < i; k++) {
                    s -= u[k * n + i] * u[k * n + j];
                }
                u[i * n + j] = s / pivot;
            }
        }
        return u;
    }

    // (U^-1)^T for upper triangular U, by back substitution on the columns of the identity.
    private static double[] transposedInverse(double[] u, int n) {
        double[] inv = new double[n * n];
        for (int c = 0; c < n; c++) {
            for (int i = c; i >= 0; i--) {
                double s = i == c ? 1 : 0;
                for (int k = i + 1; k <= c; k++) {
                    s -= u[i * n + k] * inv[k * n + c];
                }
                inv[i * n + c] = s / u[i * n + i];
            }
        }
        double[] t = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[j * n + i] = inv[i * n + j];
            }
        }
        return t;
    }
}
