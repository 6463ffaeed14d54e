package dev.topiary.engine;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Allocation and explicit release of direct and memory-mapped buffers.
 *
 * <p>The garbage collector frees a direct buffer's native memory (or unmaps a mapped file region) only when the
 * buffer object is collected, which may be long after it was last used; while loading a checkpoint tensor by tensor
 * that lets the native memory of every tensor pile up. {@code sun.misc.Unsafe.invokeCleaner} (module
 * {@code jdk.unsupported}) releases it at once. It is reached by reflection so the code compiles with
 * {@code --release 17} and degrades to waiting for the collector where it is missing.
 */
public final class DirectBuffers {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            invokeCleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private DirectBuffers() {}

    /** A new direct buffer of {@code bytes} bytes in the platform's native byte order, as native code expects. */
    public static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Releases a direct or mapped buffer's memory now. The buffer must not be used afterwards (access would crash
     * the JVM), and it must be the buffer returned by the allocation or map call itself, not a slice or view of it.
     * Heap buffers and null are ignored.
     */
    public static void free(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (InvocationTargetException e) {
            // Thrown for slices and duplicates, which own no memory: the collector frees the owner.
            if (!(e.getCause() instanceof IllegalArgumentException)) {
                throw new IllegalStateException("cannot release a direct buffer", e.getCause());
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot release a direct buffer", e);
        }
    }

    /** Whether {@link #free} really releases memory now, rather than leaving it to the garbage collector. */
    public static boolean canFree() {
        return INVOKE_CLEANER != null;
    }
}
