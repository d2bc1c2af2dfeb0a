package dev.sockbridge.api.client;

import dev.sockbridge.api.Posix;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;

/**
 * What a recv, recvfrom or recvmsg call returned.
 *
 * <p><b>Buffers.</b> The receiver owns {@link #data()} and must release it: directly, with
 * {@link #release()}, or by taking a copy with {@link #takeBytes()}.
 *
 * @param data the bytes received; empty on a stream socket means end of stream
 * @param flags MSG_TRUNC when a datagram was longer than asked for ({@code data} holds its first part)
 * @param from the source of a datagram (recvfrom, recvmsg), else null
 */
public record Received(ByteBuf data, int flags, InetSocketAddress from) {

    /** True when the datagram was cut to the length asked for. */
    public boolean isTruncated() {
        return (flags & Posix.MSG_TRUNC) != 0;
    }

    /** True when no bytes came: end of stream on a stream socket (an empty datagram on a datagram socket). */
    public boolean isEmpty() {
        return !data.isReadable();
    }

    /** Copies the bytes out and releases the buffer. */
    public byte[] takeBytes() {
        try {
            return ByteBufUtil.getBytes(data);
        } finally {
            release();
        }
    }

    /** Releases the buffer (once). */
    public void release() {
        if (data.refCnt() > 0) {
            data.release();
        }
    }
}
