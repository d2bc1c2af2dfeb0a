package dev.sockbridge.api.internal.client;

import dev.sockbridge.api.client.SockbridgeClient;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one call a blocking read, receive or accept has outstanding at the proxy. A call that outlives
 * the caller's SO_TIMEOUT stays outstanding, so the next wait takes its result rather than asking the
 * proxy again (which would lose the first answer's data). Not thread-safe: the owner guards it with
 * the lock that serializes its waits.
 */
public final class OutstandingCall<T> {
    /** What the owner checks when the call failed (typically: throw if the socket was closed meanwhile). */
    public interface FailureCheck {
        void run() throws IOException;
    }

    private CompletableFuture<T> pending;

    /**
     * Waits at most {@code timeoutMillis} (0: no limit) for the outstanding call, starting it with
     * {@code start} if there is none. On timeout the call stays outstanding; on any other failure it is
     * dropped, {@code onFailure} runs (and may throw instead), then the failure is thrown.
     */
    public T await(SockbridgeClient client, Supplier<CompletableFuture<T>> start, long timeoutMillis, String timeoutMessage,
            FailureCheck onFailure) throws IOException {
        if (pending == null) {
            pending = start.get();
        }
        T result;
        try {
            result = Blocking.await(client, pending, timeoutMillis, timeoutMessage);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            pending = null;
            onFailure.run();
            throw e;
        }
        pending = null;
        return result;
    }

    /** Drops the outstanding call, if any; {@code release} gets its result when it comes, so nothing it holds leaks. */
    public void discard(Consumer<? super T> release) {
        if (pending != null) {
            pending.thenAccept(release);
            pending = null;
        }
    }
}
