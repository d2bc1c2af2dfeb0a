package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.Transport;

/**
 * Reads a transport only while it is writable, for a front end that answers what it reads. A client
 * that sends calls (or pings) and does not read the answers is then held back by its own connection,
 * whose sends stop being read, instead of making the proxy queue answers without bound: answers,
 * error replies and pongs alike stay within the transport's high-water mark plus what was read
 * before reading stopped.
 *
 * <p>Confined to the session's loop. Every decision is taken there and handed to the transport in
 * the order taken, so the last one holds even when the transport runs on another thread; and a
 * transport whose {@link Transport#isWritable()} answered false reports
 * {@code writabilityChanged(true)} later, so reading always resumes.
 */
public final class ReadGate {
    private final Transport transport;
    private boolean paused;

    public ReadGate(Transport transport) {
        this.transport = transport;
    }

    /** Something was sent on the transport: stop reading at once if that filled it. */
    public void sent() {
        if (!paused && !transport.isWritable()) {
            paused = true;
            transport.setAutoRead(false);
        }
    }

    /** The transport's writability changed: read while it is writable. */
    public void writabilityChanged() {
        boolean writable = transport.isWritable();
        if (paused == writable) {
            paused = !writable;
            transport.setAutoRead(writable);
        }
    }

    /** Whether reading is off now because the transport was not writable. */
    public boolean isPaused() {
        return paused;
    }
}
