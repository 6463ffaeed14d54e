package dev.topiary.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.topiary.TopiaryException;
import java.util.Locale;

/**
 * The one place that starts DJL's PyTorch engine the way Topiary needs it: offline, and on the device the user
 * chose or the best one present.
 */
public final class Engines {

    private Engines() {}

    /**
     * Tells DJL never to reach the network (no native download, no model zoo, no usage tracking). Must run before
     * the engine loads; every entry point calls it, and {@link #engine()} does too.
     */
    public static void configureOffline() {
        setIfAbsent("DJL_OFFLINE", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        setIfAbsent("ai.djl.offline", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The PyTorch engine, configured offline. */
    public static Engine engine() {
        configureOffline();
        return Engine.getEngine("PyTorch");
    }

    /**
     * Turns autograd's recording off on the calling thread, as DJL does on the thread that starts the engine: libtorch
     * keeps that mode per thread and starts every new thread with recording on, where in-place optimizer updates of
     * parameters fail and forward passes build graphs nobody needs. Gradient collectors turn it on for their scope.
     */
    public static void disableGradientsOnThisThread() {
        engine();
        JniUtils.setGradMode(false);
    }

    /**
     * Resolves a device name: {@code auto} (the first GPU when one is present, else the CPU), {@code cpu},
     * {@code gpu} or {@code gpu:N}.
     */
    public static Device device(String name) {
        String spec = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT);
        int gpus = engine().getGpuCount();
        if (spec.equals("auto")) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (spec.equals("cpu")) {
            return Device.cpu();
        }
        if (spec.equals("gpu") || spec.matches("gpu:\\d+")) {
            int index = spec.equals("gpu") ? 0 : Integer.parseInt(spec.substring(4));
            if (index >= gpus) {
                throw new TopiaryException("device '" + name + "' is not available: this machine has " + gpus
                        + " GPU(s) visible to PyTorch " + engine().getVersion());
            }
            return Device.gpu(index);
        }
        throw new TopiaryException("unknown device '" + name + "': expected auto, cpu, gpu or gpu:N");
    }

    /**
     * The floating type computation runs in: fp32 on the CPU; fp16 (the default) or fp32 on a GPU. bfloat16 is
     * never used: DJL's PyTorch JNI aborts the JVM on bf16 arrays.
     *
     * @param name {@code auto}, {@code float32} or {@code float16}
     */
    public static DataType computeType(Device device, String name) {
        String spec = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT);
        switch (spec) {
            case "auto":
                return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            case "float32":
            case "fp32":
                return DataType.FLOAT32;
            case "float16":
            case "fp16":
                if (!device.isGpu()) {
                    throw new TopiaryException("dtype float16 needs a GPU; on the CPU Topiary computes in float32");
                }
                return DataType.FLOAT16;
            default:
                throw new TopiaryException("unknown dtype '" + name + "': expected auto, float32 or float16");
        }
    }
}
