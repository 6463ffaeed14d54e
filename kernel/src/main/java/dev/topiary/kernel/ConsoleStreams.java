package dev.topiary.kernel;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code System.out} and {@code System.err} of a session: what any thread prints goes to the output of the cell
 * that runs (or ran last), in pieces at most {@value #FLUSH_MILLIS} ms old, so a long loop's prints appear while
 * it runs. The JVM's own streams are kept for the kernel's log.
 *
 * <p>Order: a cell's output seen through {@link #ordered} sends the text printed so far (by any thread) before each
 * display, display update and clear, under the same lock as the periodic flush, so the notebook shows exactly the
 * order in which the code printed and displayed.
 */
final class ConsoleStreams implements AutoCloseable {

    static final long FLUSH_MILLIS = 50;

    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;
    private final Buffer out;
    private final Buffer err;
    private final Object order = new Object();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "topiary-output-flusher");
        t.setDaemon(true);
        return t;
    });

    /** Replaces {@code System.out} and {@code System.err} until {@link #close()}. */
    ConsoleStreams(Supplier<CellOutput> target) {
        this.out = new Buffer("stdout", target);
        this.err = new Buffer("stderr", target);
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        flusher.scheduleWithFixedDelay(this::flush, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The standard error the JVM started with: the kernel's log. */
    PrintStream log() {
        return originalErr;
    }

    /** Sends everything printed so far. */
    void flush() {
        synchronized (order) {
            System.out.flush();
            System.err.flush();
            out.send();
            err.send();
        }
    }

    /** {@code output} with every display, update and clear sent after the text printed before it. */
    CellOutput ordered(CellOutput output) {
        return output instanceof Ordered ? output : new Ordered(output);
    }

    private final class Ordered implements CellOutput {
        private final CellOutput output;

        Ordered(CellOutput output) {
            this.output = output;
        }

        @Override
        public void stream(String name, String text) {
            output.stream(name, text);
        }

        @Override
        public void display(MimeBundle bundle, String displayId) {
            synchronized (order) {
                flush();
                output.display(bundle, displayId);
            }
        }

        @Override
        public void updateDisplay(MimeBundle bundle, String displayId) {
            synchronized (order) {
                flush();
                output.updateDisplay(bundle, displayId);
            }
        }

        @Override
        public void clear(boolean wait) {
            synchronized (order) {
                flush();
                output.clear(wait);
            }
        }
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    /** Bytes printed to one stream, sent as text when the flusher comes by (or the cell ends). */
    private static final class Buffer extends OutputStream {

        private final String name;
        private final Supplier<CellOutput> target;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private byte[] incomplete = new byte[0];

        Buffer(String name, Supplier<CellOutput> target) {
            this.name = name;
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        /** Decodes what is pending, keeping a split UTF-8 sequence for next time, and sends it. */
        void send() {
            String text;
            synchronized (this) {
                if (pending.size() == 0) {
                    return;
                }
                byte[] bytes = concat(incomplete, pending.toByteArray());
                pending.reset();
                ByteBuffer in = ByteBuffer.wrap(bytes);
                CharBuffer chars = CharBuffer.allocate(bytes.length);
                decoder.reset();
                decoder.decode(in, chars, false);
                incomplete = new byte[in.remaining()];
                in.get(incomplete);
                text = chars.flip().toString();
            }
            CellOutput output = target.get();
            if (!text.isEmpty() && output != null) {
                output.stream(name, text);
            }
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] all = new byte[a.length + b.length];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
