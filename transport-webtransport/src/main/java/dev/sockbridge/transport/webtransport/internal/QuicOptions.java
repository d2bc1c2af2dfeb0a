package dev.sockbridge.transport.webtransport.internal;

import io.netty.handler.codec.quic.QuicCodecBuilder;

import java.time.Duration;

/**
 * QUIC transport parameters shared by the servers and the client. Defaults suit a browser on loopback or a LAN:
 * 16 MiB connection window, 4 MiB per stream, 256 concurrent streams per direction, datagrams on.
 *
 * <p>Threading: a mutable holder filled by one builder thread, copied into the codec at start.
 */
public final class QuicOptions {
    public Duration idleTimeout = Duration.ofSeconds(30);
    public long initialMaxData = 16L << 20;
    public long initialMaxStreamData = 4L << 20;
    public long maxBidiStreams = 256;
    public long maxUniStreams = 256;
    /** Received / to-send datagrams quiche queues per connection. */
    public int datagramQueueLength = 1024;

    public QuicOptions copy() {
        QuicOptions c = new QuicOptions();
        c.idleTimeout = idleTimeout;
        c.initialMaxData = initialMaxData;
        c.initialMaxStreamData = initialMaxStreamData;
        c.maxBidiStreams = maxBidiStreams;
        c.maxUniStreams = maxUniStreams;
        c.datagramQueueLength = datagramQueueLength;
        return c;
    }

    public <B extends QuicCodecBuilder<B>> B applyTo(B builder) {
        return builder
                .maxIdleTimeout(idleTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .initialMaxData(initialMaxData)
                .initialMaxStreamDataBidirectionalLocal(initialMaxStreamData)
                .initialMaxStreamDataBidirectionalRemote(initialMaxStreamData)
                .initialMaxStreamDataUnidirectional(initialMaxStreamData)
                .initialMaxStreamsBidirectional(maxBidiStreams)
                .initialMaxStreamsUnidirectional(maxUniStreams)
                .datagram(datagramQueueLength, datagramQueueLength);
    }
}
