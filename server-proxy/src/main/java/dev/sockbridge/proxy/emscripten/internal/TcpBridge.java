package dev.sockbridge.proxy.emscripten.internal;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.emscripten.BridgeTargets;
import dev.sockbridge.proxy.internal.NativeIo;
import dev.sockbridge.proxy.internal.AdmissionTicket;
import dev.sockbridge.proxy.internal.ProxyContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;

/**
 * websockify for one WebSocket: every binary message is written to one TCP connection, every TCP
 * read is sent as one binary message (never empty). TCP end of stream closes the WebSocket with
 * 1000 after the data before it; the WebSocket closing closes TCP after the data already written.
 *
 * <p><b>Backpressure.</b> The TCP channel reads only while the WebSocket is writable, and the
 * WebSocket is read only while the TCP channel is writable, so a slow side on either end stops the
 * other at the water marks instead of filling memory.
 */
public final class TcpBridge extends Bridge {
    private static final WriteBufferWaterMark WATER = new WriteBufferWaterMark(128 << 10, 256 << 10);
    private static final int CONNECT_TIMEOUT_MS = 30_000;

    public TcpBridge(ProxyContext ctx, Transport ws, BridgeTargets.Target target) {
        this(ctx, ws, target, null);
    }

    /** Under {@code ticket}'s policy and limits (null: the proxy's own). */
    public TcpBridge(ProxyContext ctx, Transport ws, BridgeTargets.Target target, AdmissionTicket ticket) {
        super(ctx, ws, target, "websockify-tcp", ticket);
    }

    @Override
    void open(InetSocketAddress to) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(NativeIo.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new Handler());
        ChannelFuture f = b.connect(to);
        track(f.channel(), "bridge-tcp");
        f.addListener(x -> {
            if (isEnded()) {
                connectedAfterEnd(f.isSuccess());
                return;
            }
            if (!f.isSuccess()) {
                Throwable t = f.cause();
                end(ERROR, "cannot connect to " + target + ": " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
                return;
            }
            connected();
            if (ws.isWritable()) {
                resumeNativeReads();
            } else {
                pauseNativeReads();
            }
        });
    }

    @Override
    void toNative(ByteBuf data) {
        int n = data.readableBytes();
        if (n == 0 || !channel.isActive()) {
            data.release();
            return;
        }
        ctx.countBytesToNative(n);
        channel.writeAndFlush(data, channel.voidPromise());
        if (!channel.isWritable()) {
            ws.setAutoRead(false);
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            if (isEnded() || !b.isReadable()) {
                b.release();
                return;
            }
            ctx.countBytesFromNative(b.readableBytes());
            ws.send(b);
            if (!ws.isWritable()) {
                pauseNativeReads();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext c) {
            nativeWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            end(NORMAL, "target closed the connection");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            end(ERROR, "target connection failed: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
            c.close();
        }
    }
}
