package dev.topiary.train;

/**
 * Runs the garbage collector over and over on a daemon thread while open. Native memory that is reachable only
 * through a Java object the computation has already let go of (a direct buffer behind a closed DJL array) is then
 * freed and reused within milliseconds, so a computation that still reads it gives different numbers.
 */
final class CollectorPressure implements AutoCloseable {

    private final Thread thread;
    private volatile boolean running = true;

    private CollectorPressure() {
        thread = new Thread(() -> {
            while (running) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "collector-pressure");
        thread.setDaemon(true);
        thread.start();
    }

    static CollectorPressure start() {
        return new CollectorPressure();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
