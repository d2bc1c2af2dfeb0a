package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.proxy.internal.PublicReason;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
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
 * websockify for one WebSocket: every binary message is written to one TCP connection, and what
 * one pass of TCP reads brings in is sent as binary messages of up to {@link #MAX_MESSAGE} bytes
 * (never empty). TCP end of stream closes the WebSocket with 1000 after the data before it; the
 * WebSocket closing closes TCP after the data already written.
 *
 * <p><b>Message sizes.</b> SOCKFS queues every message as one entry of the socket's receive queue
 * and a {@code recv} takes from one entry at most, so a message per TCP read (often a few KiB on a
 * busy connection) would cost the client a {@code recv} and a message event per read. The reads of
 * one pass are joined instead, into messages of at most 64 KiB (the size programs pass to
 * {@code recv}, and websockify's own read size), sent when the pass ends or a message is full.
 *
 * <p><b>Backpressure.</b> The TCP channel reads only while the WebSocket is writable, and the
 * WebSocket is read only while the TCP channel is writable, so a slow side on either end stops the
 * other at the water marks instead of filling memory.
 */
public final class TcpBridge extends Bridge {
    private static final WriteBufferWaterMark WATER = new WriteBufferWaterMark(128 << 10, 256 << 10);
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    /** The most one WebSocket message carries (see the class comment). */
    static final int MAX_MESSAGE = 64 << 10;

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
                end(ERROR, "cannot connect to " + target + ": " + PublicReason.of(t));
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

    /** What this pass of reads brought in and is not sent yet; null when nothing is. Loop-confined. */
    private ByteBuf pending;

    /**
     * Adds a read to the message being gathered; sends it once it is full. A read that does not fit tops the
     * message up to {@link #MAX_MESSAGE} and starts the next, so every message but a pass's last is full. Nothing
     * is copied but a read small enough for the spare room of the buffer before it: the message is otherwise a
     * composite of the reads (or slices of them), which the WebSocket writes as they are.
     */
    private void gather(ByteBuf b, io.netty.buffer.ByteBufAllocator alloc) {
        while (b.isReadable()) {
            int have = pending == null ? 0 : pending.readableBytes();
            int n = Math.min(MAX_MESSAGE - have, b.readableBytes());
            if (pending == null && n == b.readableBytes()) {
                if (n == MAX_MESSAGE) {
                    sendPending(b); // a full message by itself: no reason to hold it
                } else {
                    pending = b; // the whole read: its spare room may take the next small one
                }
                return;
            }
            if (pending != null && !(pending instanceof io.netty.buffer.CompositeByteBuf) && pending.isWritable(n)) {
                // only a read buffer taken whole is ever pending as a plain buffer (a slice has no spare room)
                pending.writeBytes(b, n);
            } else {
                ByteBuf part = b.readRetainedSlice(n);
                if (pending == null) {
                    pending = part;
                } else {
                    io.netty.buffer.CompositeByteBuf c = pending instanceof io.netty.buffer.CompositeByteBuf
                            ? (io.netty.buffer.CompositeByteBuf) pending
                            : alloc.compositeDirectBuffer(MAX_PARTS).addComponent(true, pending);
                    pending = c.addComponent(true, part);
                }
            }
            if (pending.readableBytes() == MAX_MESSAGE) {
                flush();
            }
        }
        b.release();
    }

    /** Parts of a message before Netty consolidates them into one buffer (a copy, for many tiny reads only). */
    private static final int MAX_PARTS = 16;

    /** Sends what has been gathered (if anything). */
    private void flush() {
        ByteBuf p = pending;
        if (p != null) {
            pending = null;
            sendPending(p);
        }
    }

    private void sendPending(ByteBuf message) {
        ws.send(message);
        if (!ws.isWritable()) {
            pauseNativeReads();
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
            gather(b, c.alloc());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext c) {
            flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext c) {
            nativeWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            flush();
            end(NORMAL, "target closed the connection");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            flush(); // what came before the failure, as a read that had ended the pass would have sent it
            end(ERROR, "target connection failed: " + PublicReason.of(cause));
            c.close();
        }
    }
}
