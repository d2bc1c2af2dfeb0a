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
import io.netty.channel.socket.DatagramPacket;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * SOCKFS UDP for one WebSocket, which stands for one destination: every binary message is one
 * datagram to the target, every datagram from the target is one binary message. A connected UDP
 * channel, so datagrams from anyone else are dropped by the kernel.
 *
 * <p>A SOCKFS socket that was {@code bind()}-ed first sends a 10-byte port announcement
 * {@code FF FF FF FF 'p' 'o' 'r' 't' hi lo} on each new peer WebSocket: if the first message is
 * exactly that, it is consumed here, not forwarded.
 *
 * <p><b>Backpressure.</b> UDP has none: while the WebSocket is not writable the channel stops
 * reading (the kernel drops, as it would for a slow reader); while the channel cannot take more,
 * the WebSocket is not read.
 */
public final class UdpBridge extends Bridge {
    public static final int MAX_DATAGRAM = 65507;
    private static final byte[] ANNOUNCE = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'p', 'o', 'r', 't'};
    private static final WriteBufferWaterMark WATER = new WriteBufferWaterMark(64 << 10, 256 << 10);

    private boolean first = true;
    private volatile int announcedPort = -1;

    public UdpBridge(ProxyContext ctx, Transport ws, BridgeTargets.Target target) {
        this(ctx, ws, target, null);
    }

    /** Under {@code ticket}'s policy and limits (null: the proxy's own). */
    public UdpBridge(ProxyContext ctx, Transport ws, BridgeTargets.Target target, AdmissionTicket ticket) {
        super(ctx, ws, target, "websockify-udp", ticket);
    }

    /** The port the client announced in its first message, or -1. */
    public int announcedPort() {
        return announcedPort;
    }

    /** True for the 10-byte SOCKFS port announcement. */
    public static boolean isPortAnnouncement(ByteBuf b) {
        if (b.readableBytes() != ANNOUNCE.length + 2) {
            return false;
        }
        for (int i = 0; i < ANNOUNCE.length; i++) {
            if (b.getByte(b.readerIndex() + i) != ANNOUNCE[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    void open(InetSocketAddress to) {
        InetSocketAddress local = new InetSocketAddress(policy.autoBindAddress(to.getAddress() instanceof Inet6Address), 0);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(NativeIo.datagramChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.RECVBUF_ALLOCATOR, NativeIo.datagramReceiveAllocator())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER)
                .handler(new Handler());
        ChannelFuture f = b.connect(to, local);
        track(f.channel(), "bridge-udp");
        f.addListener(x -> {
            if (isEnded()) {
                connectedAfterEnd(f.isSuccess());
                return;
            }
            if (!f.isSuccess()) {
                Throwable t = f.cause();
                end(ERROR, "cannot open UDP to " + target + ": " + PublicReason.of(t));
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
        if (first) {
            first = false;
            if (isPortAnnouncement(data)) {
                announcedPort = data.getUnsignedShort(data.readerIndex() + ANNOUNCE.length);
                data.release();
                return;
            }
        }
        int n = data.readableBytes();
        if (n > MAX_DATAGRAM || !channel.isActive()) {
            data.release();
            ctx.countDatagramDropped();
            return;
        }
        ctx.countBytesToNative(n);
        channel.writeAndFlush(data).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.countDatagramDropped();
            }
        });
        if (!channel.isWritable()) {
            ws.setAutoRead(false);
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            ByteBuf b = p.content();
            if (isEnded() || !b.isReadable()) {
                // an empty datagram cannot travel: SOCKFS ignores empty messages
                p.release();
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
            end(ERROR, "UDP channel closed");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            // ICMP port unreachable and the like: UDP carries on, the datagram is simply lost
            ctx.countDatagramDropped();
        }
    }
}
