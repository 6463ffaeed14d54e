package dev.topiary.kernel;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Keeps a cell from ending the kernel's JVM: calls to {@code System.exit}, {@code Runtime.exit} and
 * {@code Runtime.halt} in the classes compiled from cells are redirected to methods here that throw
 * {@link CellExitException} instead. (The security manager that once did this is gone from recent JDKs.) Code in
 * libraries a cell calls is not rewritten.
 */
public final class ExitGuard {

    private static final String SELF = ExitGuard.class.getName().replace('.', '/');

    private ExitGuard() {}

    /** Called instead of {@code System.exit(status)} in a cell. */
    public static void exit(int status) {
        throw new CellExitException("System.exit(" + status + ")");
    }

    /** Called instead of {@code runtime.exit(status)} in a cell. */
    public static void runtimeExit(Runtime runtime, int status) {
        throw new CellExitException("Runtime.exit(" + status + ")");
    }

    /** Called instead of {@code runtime.halt(status)} in a cell. */
    public static void runtimeHalt(Runtime runtime, int status) {
        throw new CellExitException("Runtime.halt(" + status + ")");
    }

    /** {@code classFile} with its exits redirected; unchanged when it has none. */
    static byte[] rewrite(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] changed = {false};
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature,
                        exceptions)) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc,
                            boolean isInterface) {
                        if (opcode == Opcodes.INVOKESTATIC && owner.equals("java/lang/System")
                                && method.equals("exit") && desc.equals("(I)V")) {
                            changed[0] = true;
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, "exit", "(I)V", false);
                        } else if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("java/lang/Runtime")
                                && (method.equals("exit") || method.equals("halt")) && desc.equals("(I)V")) {
                            changed[0] = true;
                            String replacement = method.equals("exit") ? "runtimeExit" : "runtimeHalt";
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, SELF, replacement,
                                    "(Ljava/lang/Runtime;I)V", false);
                        } else {
                            super.visitMethodInsn(opcode, owner, method, desc, isInterface);
                        }
                    }
                };
            }
        }, 0);
        return changed[0] ? writer.toByteArray() : classFile;
    }
}
