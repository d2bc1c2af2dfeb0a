package dev.sockbridge.api.internal.client;

import dev.sockbridge.api.client.SockbridgeClient;
import io.netty.util.internal.ThreadExecutorMap;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on client futures for the blocking {@code Bridged*} classes. */
public final class Blocking {
    private Blocking() {
    }

    /**
     * Throws IllegalStateException on an event loop thread: the client's own (whose replies the wait
     * would block forever) or any other Netty loop (which must never block).
     */
    public static void checkMayBlock(SockbridgeClient client) {
        if (client.transport().executor().inEventLoop() || ThreadExecutorMap.currentExecutor() != null) {
            throw new IllegalStateException("blocking socket call on event loop thread " + Thread.currentThread().getName()
                    + ": use the asynchronous SockbridgeClient methods there");
        }
    }

    /** Waits for {@code f} without limit. */
    public static <T> T await(SockbridgeClient client, CompletableFuture<T> f) throws IOException {
        return await(client, f, 0, null);
    }

    /**
     * Waits for {@code f} at most {@code timeoutMillis} (0: no limit). On timeout throws
     * SocketTimeoutException with {@code timeoutMessage} and leaves {@code f} running. The cause of a
     * failed future is thrown as is when it is an IOException, else wrapped in one.
     */
    public static <T> T await(SockbridgeClient client, CompletableFuture<T> f, long timeoutMillis, String timeoutMessage)
            throws IOException {
        checkMayBlock(client);
        try {
            return timeoutMillis > 0 ? f.get(timeoutMillis, TimeUnit.MILLISECONDS) : f.get();
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (CancellationException e) {
            throw new InterruptedIOException("call cancelled");
        } catch (TimeoutException e) {
            throw new SocketTimeoutException(timeoutMessage == null ? "timed out" : timeoutMessage);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the proxy");
        }
    }

    private static IOException unwrap(Throwable t) {
        if (t instanceof IOException) {
            return (IOException) t;
        }
        if (t instanceof RuntimeException && t.getCause() instanceof IOException) {
            return (IOException) t.getCause();
        }
        return new IOException(t.getMessage(), t);
    }

    /** Milliseconds left until {@code deadline} (System.nanoTime based), at least 1; 0 when there is no deadline. */
    public static long remainingMillis(long deadlineNanos) {
        if (deadlineNanos == 0) {
            return 0;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        return Math.max(1, left);
    }
}
