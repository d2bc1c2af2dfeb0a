package dev.sockbridge.samples.transport;

import dev.sockbridge.api.transport.AbstractTransport;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.ConnectRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A Sockbridge transport over one plain TCP connection, for native clients: each frame is a 4-byte big-endian
 * length and the bytes; a close is a record with the length's top bit set, then FIN.
 *
 * <pre>
 *   frame:  [u32 n &lt; 2^31][n bytes]
 *   close:  [u32 0x80000000 | 4 + r][i32 code][r bytes of UTF-8 reason]   then FIN; nothing follows
 * </pre>
 *
 * <p>{@link AbstractTransport} does the lifecycle (start once, closed exactly once), the delivery rules and
 * writability; this class is only the wire: {@link #sendFrame}, {@link #wireWritable}, {@link #closeWire} and
 * {@link #deliverNext}. The channel is read only while started and reading ({@link #readingChanged}), so a paused
 * listener holds its peer back through TCP itself.
 *
 * <p><b>Close.</b> The side that closes writes its record and FIN, reports {@code closed} at once, and keeps
 * reading (and dropping) until the peer's FIN, or closes hard after the close timeout. The side that reads a
 * record reports its code and reason and closes the connection. A connection lost without a record is 1006.
 *
 * <p><b>Held bytes:</b> frames written and not yet taken by the socket, and frames read and not yet delivered.
 */
final class FramedTcpTransport extends AbstractTransport {
    static final int CLOSE_FLAG = 0x8000_0000;
    static final int MAX_REASON_BYTES = 123;

    private final Channel channel;
    private final String scheme;
    private final int maxFrameSize;
    private final long closeTimeoutMillis;
    private final ConnectRequest request;
    private final Object attachment;
    // event loop only
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private boolean closeSent;

    FramedTcpTransport(Channel channel, String scheme, int maxFrameSize, long closeTimeoutMillis,
                       ConnectRequest request, Object attachment) {
        super(channel.eventLoop());
        this.channel = channel;
        this.scheme = scheme;
        this.maxFrameSize = maxFrameSize;
        this.closeTimeoutMillis = closeTimeoutMillis;
        this.request = request;
        this.attachment = attachment;
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(new Decoder(), new Handler());
        channel.closeFuture().addListener(f -> {
            end(CloseCode.ABNORMAL.code(), "connection lost without a close");
            terminated();
        });
    }

    // ------------------------------------------------------------------ the wire

    @Override
    protected void sendFrame(ByteBuf frame) {
        int cost = 4 + frame.readableBytes();
        ByteBuf header = channel.alloc().buffer(4).writeInt(frame.readableBytes());
        held(cost);
        // one write for header and frame, so that sends from several threads never interleave
        channel.writeAndFlush(Unpooled.wrappedBuffer(header, frame)).addListener(f -> held(-cost));
    }

    @Override
    protected boolean wireWritable() {
        return channel.isWritable();
    }

    @Override
    protected boolean deliverNext() {
        ByteBuf frame = pending.poll();
        if (frame == null) {
            return false;
        }
        held(-frame.readableBytes());
        deliverFrame(frame);
        return true;
    }

    @Override
    protected void onStart() {
        drain();
        updateReading();
    }

    @Override
    protected void readingChanged(boolean on) {
        updateReading();
    }

    private void updateReading() {
        // after the end: read on, to drop what comes until the peer's FIN
        channel.config().setAutoRead(isEnded() || (isStarted() && autoRead()));
    }

    @Override
    protected void closeWire(int code, String reason) {
        if (!closeSent && channel.isActive()) {
            closeSent = true;
            byte[] r = utf8(reason);
            ByteBuf record = channel.alloc().buffer(12 + r.length)
                    .writeInt(CLOSE_FLAG | (4 + r.length)).writeInt(code).writeBytes(r);
            channel.writeAndFlush(record).addListener(f -> {
                if (f.isSuccess() && channel instanceof DuplexChannel) {
                    ((DuplexChannel) channel).shutdownOutput();
                }
            });
            channel.eventLoop().schedule(() -> channel.close(), closeTimeoutMillis, TimeUnit.MILLISECONDS);
        }
        end(code, reason);
    }

    @Override
    protected void onEnd() {
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            held(-b.readableBytes());
            b.release();
        }
        updateReading();
    }

    /** A close record as read. */
    private record Close(int code, String reason) {
    }

    /**
     * Splits the byte stream into frames and the close record; checks sizes before anything is buffered. It emits
     * what it decoded rather than handling it: ByteToMessageDecoder reads again, even with autoRead off, after a
     * read that emitted nothing, so a decoder that swallowed its frames would never stop reading.
     */
    private final class Decoder extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 4 && !isEnded()) {
                int word = in.getInt(in.readerIndex());
                int n = word & ~CLOSE_FLAG;
                if (word < 0 && (n < 4 || n > 4 + MAX_REASON_BYTES)) {
                    fail(CloseCode.PROTOCOL_ERROR, "malformed close record of " + n + " bytes");
                } else if (word >= 0 && n > maxFrameSize) {
                    fail(CloseCode.TOO_BIG, "frame of " + n + " bytes is larger than the maximum of " + maxFrameSize);
                } else if (in.readableBytes() < 4 + n) {
                    return;
                } else if (word < 0) {
                    in.skipBytes(4);
                    int code = in.readInt();
                    out.add(new Close(code, in.readCharSequence(n - 4, StandardCharsets.UTF_8).toString()));
                    break; // nothing follows a close
                } else {
                    out.add(in.skipBytes(4).readRetainedSlice(n));
                }
            }
            if (isEnded() || !out.isEmpty() && out.get(out.size() - 1) instanceof Close) {
                in.skipBytes(in.readableBytes()); // after the end only the peer's FIN matters
            }
        }
    }

    /** The pipeline's end: frames and the close from the decoder, writability flips and errors. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Close) {
                markClosing();
                end(((Close) msg).code(), ((Close) msg).reason());
                channel.close();
            } else if (isEnded()) {
                ((ByteBuf) msg).release();
            } else {
                ByteBuf frame = (ByteBuf) msg;
                held(frame.readableBytes());
                pending.add(frame);
                drain();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            wireWritabilityChanged();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset or a failed write: the connection is lost (1006)
        }
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_REASON_BYTES) {
            return b;
        }
        int end = MAX_REASON_BYTES;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // do not cut a character in two
        }
        return java.util.Arrays.copyOf(b, end);
    }

    // ------------------------------------------------------------------ what the SPI asks about

    @Override
    public Set<Capability> capabilities() {
        return Set.of();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public ConnectRequest connectRequest() {
        return request;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public String toString() {
        return scheme + " " + channel.remoteAddress();
    }
}
