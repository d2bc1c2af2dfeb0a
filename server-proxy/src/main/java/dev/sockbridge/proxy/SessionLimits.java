package dev.sockbridge.proxy;

/**
 * Per-session limits. Exceeding {@link #maxSockets} fails the call with EMFILE; exceeding
 * {@link #maxOutstandingCalls} or {@link #maxBufferedBytes} with ENOBUFS. Nothing queues without
 * bound: a socket stops reading its native channel once {@link #socketReceiveBuffer} bytes wait
 * for the client, and the whole session once {@link #maxBufferedBytes} do.
 *
 * @param maxSockets          open descriptors per session
 * @param maxOutstandingCalls calls received and not yet answered (blocked recv/accept/poll count)
 * @param maxBufferedBytes    bytes held for the session: received and not yet delivered, plus sends waiting for room
 * @param socketReceiveBuffer bytes one socket reads ahead of the client
 * @param maxFrameSize        largest frame accepted or sent; also caps one recv
 */
public record SessionLimits(int maxSockets, int maxOutstandingCalls, long maxBufferedBytes,
                            int socketReceiveBuffer, int maxFrameSize) {

    public static SessionLimits defaults() {
        return new SessionLimits(256, 1024, 16L << 20, 256 << 10, 1 << 20);
    }

    public SessionLimits {
        if (maxSockets < 1 || maxOutstandingCalls < 1 || maxBufferedBytes < 1024 || socketReceiveBuffer < 1024
                || maxFrameSize < 1024) {
            throw new IllegalArgumentException("limits too small: " + this);
        }
    }

    public SessionLimits withMaxSockets(int v) {
        return new SessionLimits(v, maxOutstandingCalls, maxBufferedBytes, socketReceiveBuffer, maxFrameSize);
    }

    public SessionLimits withMaxOutstandingCalls(int v) {
        return new SessionLimits(maxSockets, v, maxBufferedBytes, socketReceiveBuffer, maxFrameSize);
    }

    public SessionLimits withMaxBufferedBytes(long v) {
        return new SessionLimits(maxSockets, maxOutstandingCalls, v, socketReceiveBuffer, maxFrameSize);
    }

    public SessionLimits withSocketReceiveBuffer(int v) {
        return new SessionLimits(maxSockets, maxOutstandingCalls, maxBufferedBytes, v, maxFrameSize);
    }

    public SessionLimits withMaxFrameSize(int v) {
        return new SessionLimits(maxSockets, maxOutstandingCalls, maxBufferedBytes, socketReceiveBuffer, v);
    }
}
