package dev.sockbridge.proxy.spi;

import dev.sockbridge.api.transport.Transport;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import io.netty.util.concurrent.EventExecutor;

/**
 * Reads a transport only while the session keeps up, for a front end that answers what it reads. Two
 * things stop reading: the transport is not writable (a client that sends calls or pings and does not
 * read the answers is then held back by its own connection, whose sends stop being read, instead of
 * making the proxy queue answers without bound), and more than {@link #MAX_HANDED_OVER} bytes of frames
 * were handed to the session's loop and not handled yet (a transport whose executor is not the session's
 * loop would otherwise queue every frame it reads there, uncounted, whatever the session does).
 *
 * <p>Thread-safe. The transport is told only on its own executor, from the state as it is then, so
 * decisions taken on two threads cannot arrive out of order; and a transport whose
 * {@link Transport#isWritable()} answered false reports {@code writabilityChanged(true)} later, so
 * reading always resumes.
 *
 * <p>Typical use, in a front end's {@code TransportListener}:
 * <pre>{@code
 *   public void frameReceived(ByteBuf frame) { gate.handOver(frame, session.loop(), this::frame); }
 *   void send(ByteBuf out) { transport.send(out); gate.sent(); }
 *   public void writabilityChanged(boolean w) { session.execute(() -> { gate.writabilityChanged(); session.writabilityChanged(); }); }
 * }</pre>
 */
public final class ReadGate {
    /** Frames handed to the session's loop and not handled yet, above which reading stops. */
    public static final long MAX_HANDED_OVER = 256 << 10;

    private final Transport transport;
    private final EventExecutor executor;
    private final Runnable apply = this::apply;
    // guarded by this
    private boolean unwritable;
    private long handedOver;
    // the transport's executor only
    private boolean reading = true;

    public ReadGate(Transport transport) {
        this.transport = transport;
        this.executor = transport.executor();
    }

    /**
     * Hands {@code frame} to {@code handler} on {@code loop}: at once when called there, else as a task, counted
     * as handed over until it ran. {@code handler} owns the frame. If the loop has stopped (the proxy shut down)
     * the frame is released instead. Call on the transport's executor (its listener callbacks).
     */
    public void handOver(ByteBuf frame, EventExecutor loop, Consumer<ByteBuf> handler) {
        if (loop.inEventLoop()) {
            // the transport runs on the session's loop: handled now, nothing waits
            handler.accept(frame);
            return;
        }
        long n = frame.readableBytes();
        handedOver(n);
        try {
            loop.execute(() -> {
                try {
                    handler.accept(frame);
                } finally {
                    handled(n);
                }
            });
        } catch (RejectedExecutionException e) {
            frame.release();
            handled(n);
        }
    }

    /** Something was sent on the transport: stop reading at once if that filled it. Any thread. */
    public void sent() {
        if (!transport.isWritable()) {
            change(() -> unwritable = true);
        }
    }

    /** The transport's writability changed: read while it is writable. Any thread. */
    public void writabilityChanged() {
        boolean writable = transport.isWritable();
        change(() -> unwritable = !writable);
    }

    /** A frame of {@code bytes} was handed to the session's loop (before it may run there). Any thread. */
    public void handedOver(long bytes) {
        change(() -> handedOver += bytes);
    }

    /** A frame handed over was handled (or dropped). Any thread. */
    public void handled(long bytes) {
        change(() -> handedOver -= bytes);
    }

    private void change(Runnable update) {
        boolean before;
        boolean after;
        synchronized (this) {
            before = wanted();
            update.run();
            after = wanted();
        }
        if (before != after) {
            if (executor.inEventLoop()) {
                apply();
            } else {
                executor.execute(apply);
            }
        }
    }

    private boolean wanted() {
        return !unwritable && handedOver <= MAX_HANDED_OVER;
    }

    private void apply() {
        boolean read;
        synchronized (this) {
            read = wanted();
        }
        if (read != reading) {
            reading = read;
            transport.setAutoRead(read);
        }
    }
}
