package dev.sockbridge.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;

/** Hands work to a session's event loop from a transport's callbacks. */
public final class Loops {
    private Loops() {
    }

    /**
     * Runs {@code r} on {@code loop}: at once when called on it, else as a task. Returns false when the
     * loop has stopped, which happens only after the proxy has shut down and ended every session: then
     * {@code r} did not run, and a buffer it would have released is the caller's to release.
     *
     * <p>A transport calls its listener on its own executor, and that may be a loop shared with other
     * connections (the in-process transport's are shared by the whole JVM). A frame or close that
     * arrives just after the proxy stopped must not throw there: a {@code RejectedExecutionException}
     * would reach the transport's loop instead of this session.
     */
    public static boolean run(EventExecutor loop, Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
            return true;
        }
        try {
            loop.execute(r);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * {@link #run} for a task that owns {@code buf}, a frame or datagram the transport handed over:
     * released here if the loop has stopped and the task will never run.
     */
    public static void run(EventExecutor loop, ByteBuf buf, Runnable r) {
        if (!run(loop, r)) {
            buf.release();
        }
    }
}
